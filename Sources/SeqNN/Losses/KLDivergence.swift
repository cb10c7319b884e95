#if canImport(Glibc)
import Glibc
#endif

/// `kl_divergence` (`kld`): sum over the last axis of t log(t / y), both clipped to [eps, 1].
package struct KLDivergence: Loss {
    package var name: String { "kl_divergence" }
    package var className: String { "KLDivergence" }

    package func perRow(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
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

    package func gradient(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
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
