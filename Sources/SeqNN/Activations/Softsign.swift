extension Activations {
    /// `softsign`: x / (1 + |x|).
    package struct Softsign: ElementwiseActivation {
        package init() {}
        package var name: String { "softsign" }
        @inline(__always) package func value(_ x: Float) -> Float { x / (1 + abs(x)) }
        @inline(__always) package func derivative(_ x: Float, _ y: Float) -> Float {
            let d = 1 + abs(x)
            return 1 / (d * d)
        }
    }
}
