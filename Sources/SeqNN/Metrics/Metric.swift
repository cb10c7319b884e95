/// A Keras metric as `fit` reports it: a running mean over an epoch.
///
/// Built-in metrics (MeanMetricWrapper in Keras) add one value per sample row and divide by the number of
/// rows, so the epoch value is the mean over samples. A custom metric returns one value per batch and
/// counts as one (Keras's `Mean.update_state` on a scalar), so its epoch value is the mean over batches.
/// Metrics ignore sample weights, as Keras's `metrics=` (not `weighted_metrics=`) do.
public class Metric: @unchecked Sendable {
    /// The name the user gave ("accuracy", "acc", "mean_pred"): the History key.
    package let name: String
    var total: Double = 0
    var count: Double = 0

    init(name: String) { self.name = name }

    package func reset() { total = 0; count = 0 }
    package var result: Double { count > 0 ? total / count : 0 }

    /// Adds one batch: yTrue is [rows, trueCols], yPred is [rows, cols].
    func update(yTrue: UnsafePointer<Float>, trueCols: Int, yPred: UnsafePointer<Float>, cols: Int, rows: Int) throws {
        for r in 0..<rows {
            total += value(yTrue + r * trueCols, trueCols, yPred + r * cols, cols)
        }
        count += Double(rows)
    }

    /// Adds one batch whose output carries a Keras mask (one value per row): Keras's MeanMetricWrapper
    /// weights the rows by it (`apply_mask` with reduction "sum"), so the metric averages unmasked rows.
    /// A custom metric sees the whole batch, unmasked.
    func update(yTrue: UnsafePointer<Float>, trueCols: Int, yPred: UnsafePointer<Float>, cols: Int, rows: Int, mask: Tensor?) throws {
        guard let mask, mask.count == rows else {
            return try update(yTrue: yTrue, trueCols: trueCols, yPred: yPred, cols: cols, rows: rows)
        }
        for r in 0..<rows where mask.data[r] != 0 {
            total += value(yTrue + r * trueCols, trueCols, yPred + r * cols, cols)
            count += 1
        }
    }

    /// The per-row value of a built-in metric.
    func value(_ t: UnsafePointer<Float>, _ trueCols: Int, _ y: UnsafePointer<Float>, _ cols: Int) -> Double { 0 }

    /// A fresh copy with zeroed state under `name` (training and validation keep separate accumulators).
    func fresh(named name: String) -> Metric { fatalError("subclass must override fresh") }
    func fresh() -> Metric { fresh(named: name) }
}

/// The first index of the largest value (numpy/TensorFlow argmax tie rule).
@inline(__always) func argmax(_ x: UnsafePointer<Float>, _ n: Int) -> Int {
    var best = 0
    for i in 1..<max(n, 1) where x[i] > x[best] { best = i }
    return best
}

package enum Metrics {
    static let names = ["accuracy (acc)", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                        "top_k_categorical_accuracy", "mse (mean_squared_error)", "mae (mean_absolute_error)"]

    /// Resolves a metric name. "accuracy"/"acc" becomes binary, sparse-categorical or categorical
    /// accuracy the way Keras 3 chooses from the shapes (keras/src/trainers/compile_utils.py `get_metric`):
    /// binary for one output column, sparse when y_true has one column against several outputs, else
    /// categorical. (Keras 2 also looked at the loss; Keras 3 does not, and neither does SeqNN.)
    package static func named(_ name: String, loss: (any Loss)?, predColumns: Int, trueColumns: Int) throws -> Metric {
        switch name {
        case "accuracy", "acc":
            if predColumns == 1 { return BinaryAccuracy(name: name) }
            if trueColumns == 1 && predColumns > 1 {
                return SparseCategoricalAccuracy(name: name)
            }
            return CategoricalAccuracy(name: name)
        case "binary_accuracy": return BinaryAccuracy(name: name)
        case "categorical_accuracy": return CategoricalAccuracy(name: name)
        case "sparse_categorical_accuracy": return SparseCategoricalAccuracy(name: name)
        case "top_k_categorical_accuracy": return TopKCategoricalAccuracy(name: name, k: 5)
        case "mse", "mean_squared_error", "MeanSquaredError": return MeanErrorMetric(name: name, squared: true)
        case "mae", "mean_absolute_error", "MeanAbsoluteError": return MeanErrorMetric(name: name, squared: false)
        default:
            throw SeqNNError(.invalidArgument,
                             "unknown metric '\(name)'; known: \(names.joined(separator: ", ")), or a custom metric registered under that name")
        }
    }

    /// Resolves a serialized Keras metric (`{"class_name": "TopKCategoricalAccuracy", "config": {"k": 2, ...}}`).
    package static func from(_ spec: JSON, loss: (any Loss)?, predColumns: Int, trueColumns: Int) throws -> Metric {
        if let s = spec.string { return try named(s, loss: loss, predColumns: predColumns, trueColumns: trueColumns) }
        guard let cls = spec["class_name"]?.string else {
            throw SeqNNError(.invalidArgument, "metric must be a name or {\"class_name\", \"config\"}, found \(spec)")
        }
        let c = spec["config"] ?? .object([])
        let name = c["name"]?.string ?? Initializers.snakeCase(cls)
        switch cls {
        case "MeanMetricWrapper":
            // Keras 2's training_config form: {"name": "accuracy", "fn": "categorical_accuracy"}.
            guard let fn = c["fn"]?.string else { throw SeqNNError(.format, "MeanMetricWrapper '\(name)' has no fn") }
            return try named(fn, loss: loss, predColumns: predColumns, trueColumns: trueColumns).fresh(named: name)
        case "TopKCategoricalAccuracy": return TopKCategoricalAccuracy(name: name, k: c["k"]?.int ?? 5)
        case "BinaryAccuracy":
            return BinaryAccuracy(name: name, threshold: Float(c["threshold"]?.number ?? 0.5))
        default:
            return try named(Initializers.snakeCase(cls), loss: loss, predColumns: predColumns, trueColumns: trueColumns)
                .fresh(named: name)
        }
    }
}

