extension Activations {
    /// `relu6`: min(max(x, 0), 6).
    public struct ReLU6: ElementwiseActivation {
        public init() {}
        public var name: String { "relu6" }
        @inline(__always) public func value(_ x: Float) -> Float { min(max(x, 0), 6) }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { x > 0 && x < 6 ? 1 : 0 }
    }
}
