#if canImport(Glibc)
import Glibc
#endif

/// `kl_divergence` (`kld`): sum over the last axis of t log(t / y), both clipped to [eps, 1].
public struct KLDivergence: Loss {
    public var name: String { "kl_divergence" }
    public var className: String { "KLDivergence" }

    public func perRow(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
                       out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            var s: Float = 0
            for c in 0..<cols {
                let i = r * cols + c
                let t = clip(yTrue[i], kerasEpsilon, 1), y = clip(yPred[i], kerasEpsilon, 1)
                s += t * logf(t / y)
            }
            out[r] = s
        }
    }

    public func gradient(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
                         scale: UnsafePointer<Float>, grad: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            for c in 0..<cols {
                let i = r * cols + c
                let t = clip(yTrue[i], kerasEpsilon, 1), y = yPred[i]
                grad[i] = (y >= kerasEpsilon && y <= 1) ? -scale[r] * t / y : 0
            }
        }
    }
}
