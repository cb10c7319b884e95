#if canImport(Glibc)
import Glibc
#endif

/// `categorical_crossentropy`: -sum over classes of y_true * log(y_pred), one-hot (or soft) targets.
///
/// From probabilities Keras first renormalises each row to sum 1, then clips to [eps, 1 - eps]
/// (keras/src/backend/tensorflow/nn.py `categorical_crossentropy`); the gradient is zero where the clip
/// is active, as TensorFlow's clip gradient is. From logits it is softmax crossentropy:
/// S * lse(z) - sum t z with S = sum t, whose gradient is S * softmax(z) - t.
package struct CategoricalCrossentropy: LogitsAwareLoss {
    package var fromLogits: Bool
    package var labelSmoothing: Float
    package init(fromLogits: Bool = false, labelSmoothing: Float = 0) {
        self.fromLogits = fromLogits
        self.labelSmoothing = labelSmoothing
    }
    package var name: String { "categorical_crossentropy" }
    package var className: String { "CategoricalCrossentropy" }
    package var configPairs: [(String, JSON)] {
        [("from_logits", .bool(fromLogits)), ("label_smoothing", .float(labelSmoothing))]
    }
    package var fusedActivation: String? { fromLogits ? nil : "softmax" }
    package var fromLogitsVariant: any Loss { CategoricalCrossentropy(fromLogits: true, labelSmoothing: labelSmoothing) }

    /// Keras's label smoothing: t * (1 - ls) + ls / classes.
    @inline(__always) func target(_ t: Float, _ cols: Int) -> Float {
        labelSmoothing == 0 ? t : t * (1 - labelSmoothing) + labelSmoothing / Float(cols)
    }

    package func perRow(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
                       out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let t = yTrue + r * cols, y = yPred + r * cols
            var loss: Double = 0
            if fromLogits {
                let lse = logSumExp(y, cols)
                for c in 0..<cols { loss += Double(target(t[c], cols)) * Double(lse - y[c]) }
            } else {
                let s = rowSum(y, cols)
                for c in 0..<cols { loss -= Double(target(t[c], cols)) * Double(logf(clip(y[c] / s, kerasEpsilon, 1 - kerasEpsilon))) }
            }
            out[r] = Float(loss)
        }
    }

    package func gradient(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
                         scale: UnsafePointer<Float>, grad: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let t = yTrue + r * cols, y = yPred + r * cols, g = grad + r * cols
            if fromLogits {
                var m = -Float.infinity, tsum: Float = 0
                for c in 0..<cols { m = max(m, y[c]); tsum += target(t[c], cols) }
                var s: Float = 0
                for c in 0..<cols { s += expf(y[c] - m) }
                for c in 0..<cols { g[c] = scale[r] * (tsum * expf(y[c] - m) / s - target(t[c], cols)) }
            } else {
                // L = -sum t_i log(clip(p_i)), p = y / s.  dL/dp_i = -t_i / p_i where unclipped;
                // dL/dy_j = (dL/dp_j - sum_i dL/dp_i p_i) / s.
                let s = rowSum(y, cols)
                var dot: Float = 0
                for c in 0..<cols {
                    let p = y[c] / s
                    let gp: Float = (p >= kerasEpsilon && p <= 1 - kerasEpsilon) ? -target(t[c], cols) / p : 0
                    g[c] = gp
                    dot += gp * p
                }
                for c in 0..<cols { g[c] = scale[r] * (g[c] - dot) / s }
            }
        }
    }
}

@inline(__always) func rowSum(_ y: UnsafePointer<Float>, _ n: Int) -> Float {
    var s: Float = 0
    for c in 0..<n { s += y[c] }
    return s
}

@inline(__always) func logSumExp(_ z: UnsafePointer<Float>, _ n: Int) -> Float {
    var m = -Float.infinity
    for c in 0..<n { m = max(m, z[c]) }
    var s: Float = 0
    for c in 0..<n { s += expf(z[c] - m) }
    return m + logf(s)
}
