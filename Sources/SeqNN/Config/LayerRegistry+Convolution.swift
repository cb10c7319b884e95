extension LayerRegistry {
    /// Conv1D/2D, pooling, padding, upsampling, cropping.
    static let convolutionFactories: [String: Factory] = [:]
}
