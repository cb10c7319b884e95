/// The one registry of Keras layer classes SeqNN can build from a config (ARCHITECTURE §9: a layer is its file plus one line here).
public enum LayerRegistry {
    typealias Factory = @Sendable (LayerConfig) throws -> Layer

    /// Every layer class: the core ones below plus each family's table (one file per family, so families
    /// can be added without touching this one).
    static let factories: [String: Factory] = coreFactories
        .merging(convolutionFactories) { a, _ in a }
        .merging(recurrentFactories) { a, _ in a }
        .merging(normalizationFactories) { a, _ in a }

    static let coreFactories: [String: Factory] = [
        "Dense": Dense.init(config:),
        "Activation": Activation.init(config:),
        "Dropout": Dropout.init(config:),
        "Flatten": Flatten.init(config:),
        "Reshape": Reshape.init(config:),
        "InputLayer": InputLayer.init(config:),
        "ReLU": ReLULayer.init(config:),
        "LeakyReLU": LeakyReLULayer.init(config:),
        "PReLU": PReLU.init(config:),
        "ELU": ELULayer.init(config:),
        "Softmax": SoftmaxLayer.init(config:),
        "ThresholdedReLU": ThresholdedReLU.init(config:),
        "Rescaling": Rescaling.init(config:),
        "Normalization": Normalization.init(config:),
    ]

    public static var classNames: [String] { factories.keys.sorted() }

    /// Builds a layer from Keras's `class_name` and `config`. The config's input keys (input_shape,
    /// input_dim, batch_size, ...) are recorded on the layer for the model to pick up.
    public static func make(className: String, config: JSON, kerasMajor: Int = 3) throws -> Layer {
        guard let factory = factories[className] else {
            throw SeqNNError(.unsupported, "unknown layer class '\(className)'; supported: \(classNames.joined(separator: ", "))")
        }
        let c = try LayerConfig(className: className, json: config, kerasMajor: kerasMajor)
        let layer = try factory(c)
        if let n = c.name {
            // A name becomes an HDF5 group name in model files, where '/' would nest groups.
            guard !n.isEmpty, !n.contains("/") else {
                throw SeqNNError(.invalidArgument, "\(className): name must be non-empty and without '/', found '\(n)'")
            }
            layer.name = n
            layer.nameIsExplicit = true
        }
        layer.trainable = try c.bool("trainable", default: true)
        if let d = config["dtype"], !d.isNull { try checkDtype(d, c) }
        if layer.declaredBatchInputShape == nil { layer.declaredBatchInputShape = try c.batchInputShape() }
        return layer
    }

    /// SeqNN computes in float32: accept "float32" or a Keras 3 DTypePolicy naming it.
    static func checkDtype(_ d: JSON, _ c: LayerConfig) throws {
        let name = d.string ?? d["config"]?["name"]?.string
        guard let name, name == "float32" else {
            throw SeqNNError(.unsupported, "\(c.label): dtype \(d) is not supported; SeqNN computes in float32")
        }
    }
}
