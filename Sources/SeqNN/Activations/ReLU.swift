extension Activations {
    /// `relu`: max(x, 0). The derivative at 0 is 0, as TensorFlow's ReluGrad takes it.
    public struct ReLU: ElementwiseActivation {
        public init() {}
        public var name: String { "relu" }
        @inline(__always) public func value(_ x: Float) -> Float { x > 0 ? x : 0 }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { x > 0 ? 1 : 0 }
    }
}
