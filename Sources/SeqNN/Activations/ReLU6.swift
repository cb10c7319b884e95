extension Activations {
    /// `relu6`: min(max(x, 0), 6).
    package struct ReLU6: ElementwiseActivation {
        package init() {}
        package var name: String { "relu6" }
        @inline(__always) package func value(_ x: Float) -> Float { min(max(x, 0), 6) }
        @inline(__always) package func derivative(_ x: Float, _ y: Float) -> Float { x > 0 && x < 6 ? 1 : 0 }
    }
}
