/// `orthogonal`: Keras's recipe. Flatten the shape to [rows = prod(shape[:-1]), cols = shape[-1]],
/// draw a normal matrix of shape [max, min], take Q of its QR decomposition with the signs of R's
/// diagonal folded in (so Q is uniformly distributed), transpose when rows < cols, scale by gain.
package struct Orthogonal: Initializer {
    package var gain: Double
    let seed: SeedChoice
    package init(gain: Double = 1, seed: UInt64? = nil) { self.gain = gain; self.seed = SeedChoice(seed: seed) }
    package var className: String { "Orthogonal" }
    package var configPairs: [(String, JSON)] { [("gain", .real(gain)), ("seed", seed.json)] }

    package func fill(_ t: Tensor, rng: inout SeededGenerator) {
        let cols = t.shape.last ?? 1
        let rows = max(1, t.count / max(cols, 1))
        let (m, n) = (max(rows, cols), min(rows, cols))
        var a = [Double](repeating: 0, count: m * n)
        seed.withGenerator(&rng) { g in for i in 0..<a.count { a[i] = g.normal() } }
        let q = Orthogonal.qrQ(a, m: m, n: n)   // [m, n] with orthonormal columns
        for r in 0..<rows {
            for c in 0..<cols {
                let v = rows >= cols ? q[r * n + c] : q[c * n + r]
                t.data[r * cols + c] = Float(gain * v)
            }
        }
    }

    /// Modified Gram-Schmidt in Double on an [m, n] matrix (m >= n); columns of the result are
    /// orthonormal and each is sign-aligned with R's diagonal being positive, as Keras's d = sign(diag(r)) does.
    static func qrQ(_ a: [Double], m: Int, n: Int) -> [Double] {
        var q = a
        for j in 0..<n {
            for k in 0..<j {
                var dot = 0.0
                for i in 0..<m { dot += q[i * n + k] * q[i * n + j] }
                for i in 0..<m { q[i * n + j] -= dot * q[i * n + k] }
            }
            var norm = 0.0
            for i in 0..<m { norm += q[i * n + j] * q[i * n + j] }
            norm = norm.squareRoot()
            let inv = norm > 0 ? 1 / norm : 0
            for i in 0..<m { q[i * n + j] *= inv }
        }
        return q
    }
}
