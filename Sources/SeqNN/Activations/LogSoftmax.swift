#if canImport(Glibc)
import Glibc
#endif

extension Activations {
    /// `log_softmax` over the last axis: x - max - log(sum(exp(x - max))).
    package struct LogSoftmax: ActivationFunction {
        package init() {}
        package var name: String { "log_softmax" }

        package func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
            for r in 0..<rows {
                let xr = x + r * cols, yr = y + r * cols
                var m = -Float.infinity
                for c in 0..<cols { m = max(m, xr[c]) }
                var s: Float = 0
                for c in 0..<cols { s += expf(xr[c] - m) }
                let lse = m + logf(s)
                for c in 0..<cols { yr[c] = xr[c] - lse }
            }
        }

        /// dx_i = dy_i - softmax_i * sum_j dy_j, with softmax_i = exp(y_i).
        package func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                             dx: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
            for r in 0..<rows {
                let yr = y + r * cols, dyr = dy + r * cols, dxr = dx + r * cols
                var s: Float = 0
                for c in 0..<cols { s += dyr[c] }
                for c in 0..<cols { dxr[c] = dyr[c] - expf(yr[c]) * s }
            }
        }
    }
}
