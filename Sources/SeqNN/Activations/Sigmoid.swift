extension Activations {
    /// `sigmoid`: 1 / (1 + exp(-x)), through FastMath (vectorised).
    public struct Sigmoid: ElementwiseActivation {
        public init() {}
        public var name: String { "sigmoid" }
        @inline(__always) public func value(_ x: Float) -> Float { FastMath.sigmoid(x) }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { y * (1 - y) }
    }
}
