/// `categorical_hinge`: max(max((1 - t) y) - sum(t y) + 1, 0) per row.
package struct CategoricalHinge: Loss {
    package var name: String { "categorical_hinge" }
    package var className: String { "CategoricalHinge" }

    func parts(_ t: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ cols: Int) -> (pos: Float, neg: Float, argNeg: Int) {
        var pos: Float = 0, neg = -Float.infinity, arg = 0
        for c in 0..<cols {
            pos += t[c] * y[c]
            let v = (1 - t[c]) * y[c]
            if v > neg { neg = v; arg = c }
        }
        return (pos, neg, arg)
    }

    package func perRow(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
                       out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let p = parts(yTrue + r * cols, yPred + r * cols, cols)
            out[r] = max(p.neg - p.pos + 1, 0)
        }
    }

    package func gradient(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
                         scale: UnsafePointer<Float>, grad: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let t = yTrue + r * cols, g = grad + r * cols
            let p = parts(t, yPred + r * cols, cols)
            let active = p.neg - p.pos + 1 > 0
            for c in 0..<cols {
                g[c] = active ? scale[r] * (-t[c] + (c == p.argNeg ? 1 - t[c] : 0)) : 0
            }
        }
    }
}
