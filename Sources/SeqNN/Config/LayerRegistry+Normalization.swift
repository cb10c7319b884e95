extension LayerRegistry {
    /// BatchNormalization, LayerNormalization, RepeatVector, Permute.
    static let normalizationFactories: [String: Factory] = [
        "BatchNormalization": BatchNormalization.init(config:),
        "LayerNormalization": LayerNormalization.init(config:),
        "RepeatVector": RepeatVector.init(config:),
        "Permute": Permute.init(config:),
    ]
}

extension LayerConfig {
    /// The normalisation axis: Keras 3 writes -1, Keras 2 a one-element list such as [1] or [3]
    /// (counting the batch axis). Checked against the input rank when the layer is built.
    func normalizationAxis() throws -> Int {
        guard has("axis") else { return -1 }
        guard let list = json["axis"]?.intList, list.count == 1, let a = list[0] else {
            throw SeqNNError(.unsupported, "\(label): axis \(json["axis"]!) is not supported; SeqNN normalises over one axis, the last")
        }
        return a
    }
}

/// Throws unless `axis` (Keras's, counting the batch axis) is the last axis of `inputShape`.
func requireLastAxis(_ axis: Int, _ inputShape: [Int], _ label: String) throws {
    guard axis == -1 || axis == inputShape.count else {
        throw SeqNNError(.unsupported, "\(label): axis \(axis) of input \(describeShape(inputShape)) is not the last axis; SeqNN normalises over the last (channels_last) axis only")
    }
}

extension BatchNormalization {
    convenience init(config c: LayerConfig) throws {
        try c.rejectSet(["beta_constraint", "gamma_constraint", "renorm", "synchronized", "virtual_batch_size", "adjustment"])
        try self.init(momentum: c.float("momentum", default: 0.99), epsilon: c.float("epsilon", default: 1e-3),
                      center: c.bool("center", default: true), scale: c.bool("scale", default: true),
                      name: c.name ?? "batch_normalization")
        axis = try c.normalizationAxis()
        gammaInit = try c.initializer("gamma_initializer", default: gammaInit)
        betaInit = try c.initializer("beta_initializer", default: betaInit)
        meanInit = try c.initializer("moving_mean_initializer", default: meanInit)
        varianceInit = try c.initializer("moving_variance_initializer", default: varianceInit)
        gammaRegularizer = try c.regularizer("gamma_regularizer")
        betaRegularizer = try c.regularizer("beta_regularizer")
    }
}

extension LayerNormalization {
    convenience init(config c: LayerConfig) throws {
        try c.rejectSet(["beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint", "rms_scaling"])
        try self.init(epsilon: c.float("epsilon", default: 1e-3), center: c.bool("center", default: true),
                      scale: c.bool("scale", default: true), name: c.name ?? "layer_normalization")
        axis = try c.normalizationAxis()
        gammaInit = try c.initializer("gamma_initializer", default: gammaInit)
        betaInit = try c.initializer("beta_initializer", default: betaInit)
    }
}

extension RepeatVector {
    convenience init(config c: LayerConfig) throws {
        try self.init(n: c.int("n"), name: c.name ?? "repeat_vector")
    }
}

extension Permute {
    convenience init(config c: LayerConfig) throws {
        try self.init(dims: c.ints("dims"), name: c.name ?? "permute")
    }
}
