/// `top_k_categorical_accuracy` (k = 5): the true class (argmax of y_true) is among the k largest
/// predictions. Like TensorFlow's `in_top_k`, classes tied with the boundary all count as inside.
package final class TopKCategoricalAccuracy: Metric, @unchecked Sendable {
    let k: Int
    init(name: String, k: Int) { self.k = k; super.init(name: name) }
    override func fresh(named n: String) -> Metric { TopKCategoricalAccuracy(name: n, k: k) }
    override func value(_ t: UnsafePointer<Float>, _ trueCols: Int, _ y: UnsafePointer<Float>, _ cols: Int) -> Double {
        let target = trueCols == 1 && cols > 1 ? Int(t[0]) : argmax(t, trueCols)
        guard target >= 0, target < cols else { return 0 }
        var larger = 0
        for c in 0..<cols where y[c] > y[target] { larger += 1 }
        return larger < k ? 1 : 0
    }
}
