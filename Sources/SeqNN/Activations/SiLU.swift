extension Activations {
    /// `silu`, also named `swish`: x * sigmoid(x).
    public struct SiLU: ElementwiseActivation {
        public var name: String
        public init(name: String = "silu") { self.name = name }
        @inline(__always) public func value(_ x: Float) -> Float { x * sigmoidf(x) }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float {
            let s = sigmoidf(x)
            return s * (1 + x * (1 - s))
        }
    }
}
