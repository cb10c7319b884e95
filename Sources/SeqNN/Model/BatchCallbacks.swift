/// Keras's batch-level callbacks (`on_train_batch_begin/end`, `on_test_batch_*`, `on_predict_batch_*`).
///
/// Keras 3 (trainers/trainer.py + callbacks/callback_list.py) calls `*_batch_begin(step)` with no logs before
/// each batch, and `*_batch_end(step, logs)` after it: for training and evaluation `logs` are the metric
/// results so far in the epoch (the running loss, weighted by batch rows, and each metric's result), for
/// predict `{"outputs": the batch's predictions}`. fit's validation calls the test hooks. Keras skips the hooks
/// when no callback overrides them; SeqNN calls nothing and allocates nothing per batch without a hook.
public enum BatchPhase: Int32, Sendable {
    case train = 0, test = 1, predict = 2
}

/// One batch event. `values`: at the end of a train or test batch, the loss and each metric so far (the
/// order of `metricNames()`); empty at a begin and for predict. `outputs`: at the end of a predict batch,
/// its outputs (rows * output size), else empty. Both are valid only during the call. Return true to stop:
/// training stops after the current batch (Keras's `stop_training`), evaluate and predict after it too
/// (`stop_evaluating` / `stop_predicting`). A thrown error stops the call with `.stopped`.
public typealias BatchHook = (_ phase: BatchPhase, _ end: Bool, _ batch: Int, _ values: UnsafeBufferPointer<Double>,
                              _ outputs: UnsafeBufferPointer<Float>) throws -> Bool

/// A hook plus the buffer its logs are written into, made once per call so batches allocate nothing.
final class BatchHooks {
    let hook: BatchHook
    let what: String
    private let values: UnsafeMutableBufferPointer<Double>

    /// nil without a hook: callers test `hooks?` and do no per-batch work. (A factory, not a failable init:
    /// a class's failable init allocates the object before it can fail, and predict must not allocate.)
    static func make(_ hook: BatchHook?, valueCount: Int, what: String) -> BatchHooks? {
        guard let hook else { return nil }
        return BatchHooks(hook, valueCount: valueCount, what: what)
    }

    private init(_ hook: @escaping BatchHook, valueCount: Int, what: String) {
        self.hook = hook
        self.what = what
        values = .allocate(capacity: valueCount)
        values.initialize(repeating: 0)
    }

    deinit { values.deallocate() }

    func begin(_ phase: BatchPhase, _ batch: Int) throws -> Bool {
        try call(phase, false, batch, UnsafeBufferPointer(start: values.baseAddress, count: 0), UnsafeBufferPointer(start: nil, count: 0))
    }

    /// The end of a train or test batch, with the running loss and the metrics' results.
    func end(_ phase: BatchPhase, _ batch: Int, loss: Double, metrics: [Metric]) throws -> Bool {
        values[0] = loss
        for (i, m) in metrics.enumerated() where i + 1 < values.count { values[i + 1] = m.result }
        return try call(phase, true, batch, UnsafeBufferPointer(values), UnsafeBufferPointer(start: nil, count: 0))
    }

    func endPredict(_ batch: Int, outputs: UnsafeBufferPointer<Float>) throws -> Bool {
        try call(.predict, true, batch, UnsafeBufferPointer(start: values.baseAddress, count: 0), outputs)
    }

    private func call(_ phase: BatchPhase, _ end: Bool, _ batch: Int, _ v: UnsafeBufferPointer<Double>,
                      _ out: UnsafeBufferPointer<Float>) throws -> Bool {
        do { return try hook(phase, end, batch, v, out) } catch let e as SeqNNError { throw e } catch {
            let name = ["train", "test", "predict"][Int(phase.rawValue)]
            throw SeqNNError(.stopped, "\(what): the batch callback failed at the \(end ? "end" : "beginning") of \(name) batch \(batch): \(error)")
        }
    }
}
