#if canImport(Glibc)
import Glibc
#endif

extension Activations {
    /// `softmax` over the last axis, max-subtracted for stability.
    package struct Softmax: ActivationFunction {
        package init() {}
        package var name: String { "softmax" }

        package func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
            for r in 0..<rows {
                let xr = x + r * cols, yr = y + r * cols
                var m = -Float.infinity
                for c in 0..<cols { m = max(m, xr[c]) }
                var s: Float = 0
                for c in 0..<cols { yr[c] = FastMath.exp(xr[c] - m) }
                for c in 0..<cols { s += yr[c] }
                let inv = 1 / s
                for c in 0..<cols { yr[c] *= inv }
            }
        }

        /// dx_i = y_i * (dy_i - sum_j dy_j y_j).
        package func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                             dx: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
            for r in 0..<rows {
                let yr = y + r * cols, dyr = dy + r * cols, dxr = dx + r * cols
                var dot: Float = 0
                for c in 0..<cols { dot += dyr[c] * yr[c] }
                for c in 0..<cols { dxr[c] = yr[c] * (dyr[c] - dot) }
            }
        }
    }
}
