extension Activations {
    /// `relu`: max(x, 0). The derivative at 0 is 0, as TensorFlow's ReluGrad takes it.
    package struct ReLU: ElementwiseActivation {
        package init() {}
        package var name: String { "relu" }
        @inline(__always) package func value(_ x: Float) -> Float { x > 0 ? x : 0 }
        @inline(__always) package func derivative(_ x: Float, _ y: Float) -> Float { x > 0 ? 1 : 0 }
    }
}
