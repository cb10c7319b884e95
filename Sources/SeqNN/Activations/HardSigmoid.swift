extension Activations {
    /// `hard_sigmoid`. Keras 3 defines it as relu6(x + 3) / 6, i.e. clip(x/6 + 1/2, 0, 1);
    /// Keras 2 used clip(0.2 x + 0.5, 0, 1). Files say which generation wrote them.
    /// The gradient at the kinks follows each generation's TensorFlow op: Keras 3's relu6 passes it only
    /// strictly inside (0, 6); Keras 2's clip_by_value passes it at the bounds too.
    package struct HardSigmoid: ElementwiseActivation {
        let slope: Float
        let keras2: Bool
        package init(keras2: Bool = false) { slope = keras2 ? 0.2 : Float(1.0 / 6.0); self.keras2 = keras2 }
        package var name: String { "hard_sigmoid" }
        @inline(__always) package func value(_ x: Float) -> Float { min(max(slope * x + 0.5, 0), 1) }
        @inline(__always) package func derivative(_ x: Float, _ y: Float) -> Float {
            if keras2 {
                let z = slope * x + 0.5
                return z >= 0 && z <= 1 ? slope : 0
            }
            return x > -3 && x < 3 ? slope : 0
        }
    }
}
