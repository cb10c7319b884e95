/// `sparse_categorical_accuracy`: y_true (a class index) == argmax(y_pred).
package final class SparseCategoricalAccuracy: Metric, @unchecked Sendable {
    override func fresh(named n: String) -> Metric { SparseCategoricalAccuracy(name: n) }
    override func value(_ t: UnsafePointer<Float>, _ trueCols: Int, _ y: UnsafePointer<Float>, _ cols: Int) -> Double {
        Float(argmax(y, cols)) == t[0] ? 1 : 0
    }
}
