extension LayerRegistry {
    /// BatchNormalization, LayerNormalization, RepeatVector, Permute.
    static let normalizationFactories: [String: Factory] = [:]
}
