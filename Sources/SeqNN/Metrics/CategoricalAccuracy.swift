/// `categorical_accuracy`: argmax(y_true) == argmax(y_pred), ties going to the first index.
package final class CategoricalAccuracy: Metric, @unchecked Sendable {
    override func fresh(named n: String) -> Metric { CategoricalAccuracy(name: n) }
    override func value(_ t: UnsafePointer<Float>, _ trueCols: Int, _ y: UnsafePointer<Float>, _ cols: Int) -> Double {
        argmax(t, trueCols) == argmax(y, cols) ? 1 : 0
    }
}
