extension Activations {
    /// `softsign`: x / (1 + |x|).
    public struct Softsign: ElementwiseActivation {
        public init() {}
        public var name: String { "softsign" }
        @inline(__always) public func value(_ x: Float) -> Float { x / (1 + abs(x)) }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float {
            let d = 1 + abs(x)
            return 1 / (d * d)
        }
    }
}
