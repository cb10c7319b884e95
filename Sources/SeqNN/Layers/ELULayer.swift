#if canImport(Glibc)
import Glibc
#endif

/// `keras.layers.ELU(alpha=1.0)`: x for x > 0, else alpha * (exp(x) - 1). Keras computes it as
/// `where(x > 0, elu(x), alpha * elu(x))` when alpha != 1, so at x == 0 the gradient is alpha (from
/// TensorFlow's EluGrad, 1 at 0, scaled), not 1. (The class is `ELULayer` because `Activations.ELU` is
/// the function.)
package final class ELULayer: Activation, @unchecked Sendable {
    override package class var kerasClassName: String { "ELU" }

    package let alpha: Float

    package init(alpha: Float = 1, name: String = "elu") {
        self.alpha = alpha
        super.init(alpha == 1 ? Activations.ELU() : Function(alpha: alpha), name: name)
    }

    convenience init(config c: LayerConfig) throws {
        self.init(alpha: try c.float("alpha", default: 1), name: c.name ?? "elu")
    }

    override package func layerConfig() -> [(String, JSON)] { [("alpha", Self.number(alpha))] }

    struct Function: ElementwiseActivation {
        let alpha: Float
        var name: String { "elu_alpha" }
        func value(_ x: Float) -> Float { x > 0 ? x : alpha * expm1f(x) }
        func derivative(_ x: Float, _ y: Float) -> Float {
            guard x <= 0 else { return 1 }
            let e = expm1f(x)   // elu(x) for x <= 0; EluGrad: e + 1 where e < 0, else 1
            return alpha * (e < 0 ? e + 1 : 1)
        }
    }
}
