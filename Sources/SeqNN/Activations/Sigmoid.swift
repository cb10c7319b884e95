extension Activations {
    /// `sigmoid`: 1 / (1 + exp(-x)), through FastMath (vectorised).
    package struct Sigmoid: ElementwiseActivation {
        package init() {}
        package var name: String { "sigmoid" }
        @inline(__always) package func value(_ x: Float) -> Float { FastMath.sigmoid(x) }
        @inline(__always) package func derivative(_ x: Float, _ y: Float) -> Float { y * (1 - y) }
    }
}
