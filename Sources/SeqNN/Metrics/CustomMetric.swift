/// A user metric: a name plus a function of one batch's (y_true, y_pred) returning one value, such as the
/// tutorial's `mean_pred`. Averaged over the batches of an epoch, each batch counting once, as Keras's
/// `Mean` does with a scalar result. The function may throw to stop training (a failing C callback).
public final class CustomMetric: Metric, @unchecked Sendable {
    /// (y_true, y_pred, rows, predCols, trueCols) -> value.
    public typealias Function = @Sendable (UnsafePointer<Float>, UnsafePointer<Float>, Int, Int, Int) throws -> Double
    let function: Function

    public init(name: String, function: @escaping Function) {
        self.function = function
        super.init(name: name)
    }

    override func fresh(named n: String) -> Metric { CustomMetric(name: n, function: function) }

    override func update(yTrue: UnsafePointer<Float>, trueCols: Int, yPred: UnsafePointer<Float>, cols: Int, rows: Int) throws {
        total += try function(yTrue, yPred, rows, cols, trueCols)
        count += 1
    }

    /// A custom metric sees the whole batch, masked rows included (its C function has no weights).
    override func update(yTrue: UnsafePointer<Float>, trueCols: Int, yPred: UnsafePointer<Float>, cols: Int, rows: Int, mask: Tensor?) throws {
        try update(yTrue: yTrue, trueCols: trueCols, yPred: yPred, cols: cols, rows: rows)
    }
}
