extension Activations {
    /// `hard_sigmoid`. Keras 3 defines it as relu6(x + 3) / 6, i.e. clip(x/6 + 1/2, 0, 1);
    /// Keras 2 used clip(0.2 x + 0.5, 0, 1). Files say which generation wrote them.
    public struct HardSigmoid: ElementwiseActivation {
        let slope: Float
        public init(keras2: Bool = false) { slope = keras2 ? 0.2 : Float(1.0 / 6.0) }
        public var name: String { "hard_sigmoid" }
        @inline(__always) public func value(_ x: Float) -> Float { min(max(slope * x + 0.5, 0), 1) }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float {
            let z = slope * x + 0.5
            return z > 0 && z < 1 ? slope : 0
        }
    }
}
