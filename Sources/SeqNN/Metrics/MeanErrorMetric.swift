/// The `mse` and `mae` metrics: the mean over the last axis of the squared or absolute error.
package final class MeanErrorMetric: Metric, @unchecked Sendable {
    let squared: Bool
    init(name: String, squared: Bool) { self.squared = squared; super.init(name: name) }
    override func fresh(named n: String) -> Metric { MeanErrorMetric(name: n, squared: squared) }
    override func value(_ t: UnsafePointer<Float>, _ trueCols: Int, _ y: UnsafePointer<Float>, _ cols: Int) -> Double {
        var s = 0.0
        for c in 0..<cols {
            let e = Double(y[c]) - Double(t[min(c, trueCols - 1)])
            s += squared ? e * e : abs(e)
        }
        return s / Double(cols)
    }
}
