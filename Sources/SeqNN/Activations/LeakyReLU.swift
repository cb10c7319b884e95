extension Activations {
    /// `leaky_relu`: x for x > 0, else negative_slope * x. Keras 3's default slope is 0.2.
    package struct LeakyReLU: ElementwiseActivation {
        package var negativeSlope: Float = 0.2
        package init(negativeSlope: Float = 0.2) { self.negativeSlope = negativeSlope }
        package var name: String { "leaky_relu" }
        @inline(__always) package func value(_ x: Float) -> Float { x > 0 ? x : negativeSlope * x }
        @inline(__always) package func derivative(_ x: Float, _ y: Float) -> Float { x > 0 ? 1 : negativeSlope }
    }
}
