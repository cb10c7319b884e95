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
