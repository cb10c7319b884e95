#if canImport(Glibc)
import Glibc
#endif

/// `sparse_categorical_crossentropy`: crossentropy with integer class labels (y_true has one column).
///
/// From probabilities Keras clips to [eps, 1 - eps], takes the log and feeds that to
/// `sparse_softmax_cross_entropy_with_logits`, which renormalises: loss = log(sum c) - log(c_label)
/// with c = clip(p). From logits it is lse(z) - z_label.
package struct SparseCategoricalCrossentropy: LogitsAwareLoss {
    package var fromLogits: Bool
    package init(fromLogits: Bool = false) { self.fromLogits = fromLogits }
    package var name: String { "sparse_categorical_crossentropy" }
    package var className: String { "SparseCategoricalCrossentropy" }
    package var configPairs: [(String, JSON)] { [("from_logits", .bool(fromLogits))] }
    package var fusedActivation: String? { fromLogits ? nil : "softmax" }
    package var fromLogitsVariant: any Loss { SparseCategoricalCrossentropy(fromLogits: true) }
    package func trueColumns(predColumns cols: Int) -> Int { 1 }

    package func validateTargets(_ yTrue: UnsafePointer<Float>, rows: Int, cols: Int) -> String? {
        for r in 0..<rows {
            let v = yTrue[r]
            if !(v >= 0 && v < Float(cols)) || v.rounded() != v {
                return "sparse_categorical_crossentropy needs integer labels in [0, \(cols)); found \(v) at sample \(r)"
            }
        }
        return nil
    }

    package func perRow(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
                       out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let y = yPred + r * cols, label = label(yTrue[r], cols)
            if fromLogits {
                out[r] = logSumExp(y, cols) - y[label]
            } else {
                var s: Float = 0
                for c in 0..<cols { s += clip(y[c], kerasEpsilon, 1 - kerasEpsilon) }
                out[r] = logf(s) - logf(clip(y[label], kerasEpsilon, 1 - kerasEpsilon))
            }
        }
    }

    package func gradient(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
                         scale: UnsafePointer<Float>, grad: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let y = yPred + r * cols, g = grad + r * cols, label = label(yTrue[r], cols)
            if fromLogits {
                let lse = logSumExp(y, cols)
                for c in 0..<cols { g[c] = scale[r] * (expf(y[c] - lse) - (c == label ? 1 : 0)) }
            } else {
                var s: Float = 0
                for c in 0..<cols { s += clip(y[c], kerasEpsilon, 1 - kerasEpsilon) }
                for c in 0..<cols {
                    let inside = y[c] >= kerasEpsilon && y[c] <= 1 - kerasEpsilon
                    let cv = clip(y[c], kerasEpsilon, 1 - kerasEpsilon)
                    g[c] = inside ? scale[r] * (1 / s - (c == label ? 1 / cv : 0)) : 0
                }
            }
        }
    }

    @inline(__always) func label(_ v: Float, _ cols: Int) -> Int { min(max(Int(v), 0), cols - 1) }
}
