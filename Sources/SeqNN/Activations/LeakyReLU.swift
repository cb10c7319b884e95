extension Activations {
    /// `leaky_relu`: x for x > 0, else negative_slope * x. Keras 3's default slope is 0.2.
    public struct LeakyReLU: ElementwiseActivation {
        public var negativeSlope: Float = 0.2
        public init(negativeSlope: Float = 0.2) { self.negativeSlope = negativeSlope }
        public var name: String { "leaky_relu" }
        @inline(__always) public func value(_ x: Float) -> Float { x > 0 ? x : negativeSlope * x }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { x > 0 ? 1 : negativeSlope }
    }
}
