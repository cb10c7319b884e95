/// `hinge` and `squared_hinge`: mean over the last axis of max(1 - t y, 0) (squared for squared_hinge).
/// Like Keras, targets that are all 0 or 1 in the batch are first mapped to -1 and 1.
package struct Hinge: Loss {
    package var squared: Bool
    package var name: String { squared ? "squared_hinge" : "hinge" }
    package var className: String { squared ? "SquaredHinge" : "Hinge" }

    func signedTargets(_ t: UnsafePointer<Float>, _ n: Int) -> Bool {
        for i in 0..<n where t[i] != 0 && t[i] != 1 { return false }
        return true
    }

    package func perRow(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
                       out: UnsafeMutablePointer<Float>) {
        let convert = signedTargets(yTrue, rows * cols)
        for r in 0..<rows {
            var s: Float = 0
            for c in 0..<cols {
                let i = r * cols + c
                let t = convert ? 2 * yTrue[i] - 1 : yTrue[i]
                let h = max(1 - t * yPred[i], 0)
                s += squared ? h * h : h
            }
            out[r] = s / Float(cols)
        }
    }

    package func gradient(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
                         scale: UnsafePointer<Float>, grad: UnsafeMutablePointer<Float>) {
        let convert = signedTargets(yTrue, rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                let i = r * cols + c
                let t = convert ? 2 * yTrue[i] - 1 : yTrue[i]
                let h = 1 - t * yPred[i]
                let d: Float = h > 0 ? (squared ? -2 * t * h : -t) : 0
                grad[i] = scale[r] * d / Float(cols)
            }
        }
    }
}
