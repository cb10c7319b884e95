extension Activations {
    /// `linear`: the identity (Keras's default when no activation is given).
    public struct Linear: ElementwiseActivation {
        public init() {}
        public var name: String { "linear" }
        @inline(__always) public func value(_ x: Float) -> Float { x }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { 1 }
    }
}
