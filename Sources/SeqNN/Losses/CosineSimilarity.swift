/// `cosine_similarity` as a loss: -sum(l2_normalize(t) * l2_normalize(y)) over the last axis, where
/// l2_normalize(x) = x / sqrt(max(sum x^2, 1e-12)) as in Keras.
package struct CosineSimilarity: Loss {
    package var name: String { "cosine_similarity" }
    package var className: String { "CosineSimilarity" }

    @inline(__always) func norm(_ x: UnsafePointer<Float>, _ n: Int) -> (Float, Bool) {
        var s: Float = 0
        for c in 0..<n { s += x[c] * x[c] }
        return (max(s, 1e-12).squareRoot(), s > 1e-12)
    }

    package func perRow(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
                       out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let t = yTrue + r * cols, y = yPred + r * cols
            let (nt, _) = norm(t, cols), (ny, _) = norm(y, cols)
            var dot: Float = 0
            for c in 0..<cols { dot += t[c] * y[c] }
            out[r] = -dot / (nt * ny)
        }
    }

    /// With u = t/|t| and v = y/|y|: d(-u.v)/dy = -(u - v (u.v)) / |y| (the norm clamp has zero gradient).
    package func gradient(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
                         scale: UnsafePointer<Float>, grad: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let t = yTrue + r * cols, y = yPred + r * cols, g = grad + r * cols
            let (nt, _) = norm(t, cols), (ny, unclamped) = norm(y, cols)
            var uv: Float = 0
            for c in 0..<cols { uv += (t[c] / nt) * (y[c] / ny) }
            for c in 0..<cols {
                let u = t[c] / nt, v = y[c] / ny
                g[c] = unclamped ? -scale[r] * (u - v * uv) / ny : -scale[r] * u / ny
            }
        }
    }
}
