extension Activations {
    /// `silu`, also named `swish`: x * sigmoid(x).
    package struct SiLU: ElementwiseActivation {
        package var name: String
        package init(name: String = "silu") { self.name = name }
        @inline(__always) package func value(_ x: Float) -> Float { x * sigmoidf(x) }
        @inline(__always) package func derivative(_ x: Float, _ y: Float) -> Float {
            let s = sigmoidf(x)
            return s * (1 + x * (1 - s))
        }
    }
}
