/// `binary_accuracy`: the mean over the last axis of (y_pred > threshold) == y_true, threshold 0.5.
package final class BinaryAccuracy: Metric, @unchecked Sendable {
    let threshold: Float
    init(name: String, threshold: Float = 0.5) { self.threshold = threshold; super.init(name: name) }
    override func fresh(named n: String) -> Metric { BinaryAccuracy(name: n, threshold: threshold) }
    override func value(_ t: UnsafePointer<Float>, _ trueCols: Int, _ y: UnsafePointer<Float>, _ cols: Int) -> Double {
        var hits = 0
        for c in 0..<cols where Float(y[c] > threshold ? 1 : 0) == t[min(c, trueCols - 1)] { hits += 1 }
        return Double(hits) / Double(cols)
    }
}
