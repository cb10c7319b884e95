import CSeqNNSupport
import SeqNN

#if canImport(Glibc)
import Glibc
#endif

// The C ABI of Include/seqnn.h, part 2: fit, evaluate, predict, train_on_batch, History, utilities.

public typealias LogFn = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Void
public typealias EpochFn = @convention(c) (UnsafeMutableRawPointer?, Int64, UnsafePointer<UnsafePointer<CChar>?>?,
                                     UnsafePointer<Double>?, Int) -> Int32

@_cdecl("seqnn_fit_options_init")
public func c_fit_options_init(_ o: UnsafeMutablePointer<seqnn_fit_options>?) {
    guard let o else { return }
    o.pointee = seqnn_fit_options()
    o.pointee.struct_size = MemoryLayout<seqnn_fit_options>.size
    o.pointee.epochs = 1
    o.pointee.shuffle = 1
    o.pointee.verbose = 1
}

/// The size of seqnn_fit_options at ABI 1, through its last field then. Callers built against that header
/// pass this size; fields appended later are read only when struct_size covers them.
let fitOptionsV1Size = MemoryLayout<seqnn_fit_options>.offset(of: \seqnn_fit_options.epoch_user_data)! + MemoryLayout<UnsafeMutableRawPointer?>.size

/// The size of seqnn_fit_options at ABI 3, through validation_source.
let fitOptionsV3Size = MemoryLayout<seqnn_fit_options>.offset(of: \seqnn_fit_options.validation_source)! + MemoryLayout<UnsafeRawPointer?>.size

/// Translates the C options into FitOptions; callbacks keep their user_data. `model` names the batch hook's
/// values (loss and metrics).
func fitOptions(_ p: UnsafePointer<seqnn_fit_options>?, model: Sequential) throws -> FitOptions {
    var o = FitOptions()
    guard let p else { return o }
    let c = p.pointee
    guard c.struct_size >= fitOptionsV1Size else {
        throw SeqNNError(.invalidArgument, "options.struct_size is \(c.struct_size); expected at least \(fitOptionsV1Size) (call seqnn_fit_options_init first)")
    }
    guard c.epochs >= 0 else { throw SeqNNError(.invalidArgument, "options.epochs must be >= 0, found \(c.epochs)") }
    guard c.batch_size >= 0 else { throw SeqNNError(.invalidArgument, "options.batch_size must be >= 0, found \(c.batch_size)") }
    guard c.initial_epoch >= 0 else { throw SeqNNError(.invalidArgument, "options.initial_epoch must be >= 0") }
    guard (0...2).contains(c.verbose) else { throw SeqNNError(.invalidArgument, "options.verbose must be 0, 1 or 2, found \(c.verbose)") }
    guard c.validation_split.isFinite else { throw SeqNNError(.invalidArgument, "options.validation_split is not finite") }
    o.epochs = Int(c.epochs)
    o.batchSize = c.batch_size > 0 ? Int(c.batch_size) : nil
    o.shuffle = c.shuffle != 0
    o.verbose = Int(c.verbose)
    o.validationSplit = c.validation_split
    o.initialEpoch = Int(c.initial_epoch)
    if c.validation_x != nil || c.validation_y != nil {
        o.validationData = (try floats(c.validation_x, Int(c.validation_x_len), "options.validation_x"),
                            try floats(c.validation_y, Int(c.validation_y_len), "options.validation_y"))
    }
    if c.sample_weight != nil { o.sampleWeight = try floats(c.sample_weight, Int(c.sample_weight_len), "options.sample_weight") }
    if c.class_weight != nil {
        let cw = try floats(c.class_weight, Int(c.class_weight_len), "options.class_weight")
        o.classWeight = Dictionary(uniqueKeysWithValues: cw.enumerated().map { ($0.offset, $0.element) })
    }
    if let log = c.log {
        let ud = UserData(pointer: c.log_user_data)
        o.log = { text in text.withCString { log(ud.pointer, $0) } }
    }
    if let cb = c.on_epoch_end {
        let ud = UserData(pointer: c.epoch_user_data)
        o.onEpochEnd = { epoch, logs in
            let names = logs.map { strdup($0.0) }
            defer { for n in names { free(n) } }
            let cNames = names.map { UnsafePointer($0) }
            let values = logs.map(\.1)
            return cNames.withUnsafeBufferPointer { np in
                values.withUnsafeBufferPointer { vp in cb(ud.pointer, Int64(epoch), np.baseAddress, vp.baseAddress, logs.count) != 0 }
            }
        }
    }
    guard c.struct_size >= fitOptionsV3Size else { return o }
    if c.on_batch != nil { o.onBatch = batchHook(c.on_batch, c.batch_user_data, names: try model.metricNames()) }
    if c.validation_source != nil, c.validation_x == nil, c.validation_y == nil {
        o.validationSource = try batchSource(c.validation_source, "options.validation_source")
    }
    return o
}

@_cdecl("seqnn_model_fit")
public func c_model_fit(_ model: OpaquePointer?, _ x: UnsafePointer<Float>?, _ xLen: Int, _ y: UnsafePointer<Float>?, _ yLen: Int,
                        _ options: UnsafePointer<seqnn_fit_options>?, _ history: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    history?.pointee = nil
    return withModel(model, "seqnn_model_fit") { h in
        let xs = try floats(x, xLen, "x"), ys = try floats(y, yLen, "y")
        let hist = try h.model.fit(x: xs, y: ys, options: fitOptions(options, model: h.model))
        if let history { history.pointee = OpaquePointer(Unmanaged.passRetained(HistoryHandle(hist)).toOpaque()) }
    }
}

@_cdecl("seqnn_model_evaluate")
public func c_model_evaluate(_ model: OpaquePointer?, _ x: UnsafePointer<Float>?, _ xLen: Int, _ y: UnsafePointer<Float>?, _ yLen: Int,
                             _ batch: Int64, _ results: UnsafeMutablePointer<Double>?, _ cap: Int, _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    withModel(model, "seqnn_model_evaluate") { h in
        guard batch >= 0 else { throw SeqNNError(.invalidArgument, "batch_size must be >= 0, found \(batch)") }
        let needed = try h.model.metricNames().count
        try checkResults(results, cap, count, needed: needed)
        let r = try h.model.evaluate(x: floats(x, xLen, "x"), y: floats(y, yLen, "y"), batchSize: batch > 0 ? Int(batch) : nil)
        try copyOut(r, results, cap, count)
    }
}

@_cdecl("seqnn_model_predict")
public func c_model_predict(_ model: OpaquePointer?, _ x: UnsafePointer<Float>?, _ xLen: Int, _ batch: Int64,
                            _ out: UnsafeMutablePointer<Float>?, _ cap: Int, _ len: UnsafeMutablePointer<Int>?) -> Int32 {
    withModel(model, "seqnn_model_predict") { h in
        guard batch >= 0 else { throw SeqNNError(.invalidArgument, "batch_size must be >= 0, found \(batch)") }
        try predictArrays(h, x, xLen, batch > 0 ? Int(batch) : nil, out, cap, len, hook: nil)
    }
}

/// seqnn_model_predict's body, shared with seqnn_model_predict_ex.
func predictArrays(_ h: ModelHandle, _ x: UnsafePointer<Float>?, _ xLen: Int, _ batch: Int?, _ out: UnsafeMutablePointer<Float>?,
                   _ cap: Int, _ len: UnsafeMutablePointer<Int>?, hook: BatchHook?) throws {
    let xs = try floats(x, xLen, "x")
    if let inSize = h.model.inputSize, let outSize = h.model.outputSize, xLen % inSize == 0 {
        len?.pointee = xLen / inSize * outSize
    }
    try checkOutBuffer(out, cap, "out")   // NULL with cap 0: the size query (*len is set above)
    try h.model.predict(x: xs, into: UnsafeMutableBufferPointer(start: out, count: cap), batchSize: batch, onBatch: hook)
}

@_cdecl("seqnn_model_train_on_batch")
public func c_model_train_on_batch(_ model: OpaquePointer?, _ x: UnsafePointer<Float>?, _ xLen: Int, _ y: UnsafePointer<Float>?, _ yLen: Int,
                                   _ results: UnsafeMutablePointer<Double>?, _ cap: Int, _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    withModel(model, "seqnn_model_train_on_batch") { h in
        let needed = try h.model.metricNames().count
        try checkResults(results, cap, count, needed: needed)
        let r = try h.model.trainOnBatch(x: floats(x, xLen, "x"), y: floats(y, yLen, "y"))
        try copyOut(r, results, cap, count)
    }
}

/// Checks a results buffer for `needed` values, reporting the count needed either way.
func checkResults(_ results: UnsafeMutablePointer<Double>?, _ cap: Int, _ count: UnsafeMutablePointer<Int>?, needed: Int) throws {
    count?.pointee = needed
    try checkOutBuffer(results, cap, "results")
    guard cap >= needed else {
        throw SeqNNError(.bufferTooSmall, "results holds \(max(cap, 0)) values; \(needed) are needed (loss and each metric)")
    }
}

// MARK: History

@_cdecl("seqnn_history_free")
public func c_history_free(_ history: OpaquePointer?) {
    guard let history else { return }
    Unmanaged<HistoryHandle>.fromOpaque(UnsafeRawPointer(history)).release()
}

@_cdecl("seqnn_history_epochs")
public func c_history_epochs(_ history: OpaquePointer?) -> Int { historyHandle(history)?.history.epochs.count ?? 0 }

@_cdecl("seqnn_history_key_count")
public func c_history_key_count(_ history: OpaquePointer?) -> Int { historyHandle(history)?.keys.count ?? 0 }

@_cdecl("seqnn_history_key")
public func c_history_key(_ history: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    guard let h = historyHandle(history), index >= 0, index < h.keys.count else { return nil }
    return UnsafePointer(h.keys[index])
}

@_cdecl("seqnn_history_get")
public func c_history_get(_ history: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ values: UnsafeMutablePointer<Double>?,
                          _ cap: Int, _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    guarded(nil, "seqnn_history_get") {
        let h = try required(historyHandle(history), "history")
        let k = try string(key, "key")
        guard let v = h.history[k] else {
            throw SeqNNError(.invalidArgument, "no key '\(k)' in the History; keys: \(h.history.keys.joined(separator: ", "))")
        }
        try copyOut(v, values, cap, count)
    }
}

// MARK: Utilities

@_cdecl("seqnn_to_categorical")
public func c_to_categorical(_ labels: UnsafePointer<Float>?, _ n: Int, _ numClasses: Int64, _ out: UnsafeMutablePointer<Float>?,
                             _ cap: Int, _ len: UnsafeMutablePointer<Int>?, _ classes: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded(nil, "seqnn_to_categorical") {
        guard numClasses >= 0 else { throw SeqNNError(.invalidArgument, "num_classes must be >= 0, found \(numClasses)") }
        try checkOutBuffer(out, cap, "out")
        let r = try toCategorical(floats(labels, n, "labels"), numClasses: numClasses > 0 ? Int(numClasses) : nil)
        len?.pointee = r.values.count
        classes?.pointee = Int64(r.classes)
        guard let out, cap >= r.values.count else {
            throw SeqNNError(.bufferTooSmall, "out holds \(max(cap, 0)) floats; \(r.values.count) are needed")
        }
        r.values.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: r.values.count) }
    }
}

@_cdecl("seqnn_model_reset_states")
public func c_model_reset_states(_ model: OpaquePointer?) -> Int32 {
    withModel(model, "seqnn_model_reset_states") { h in try h.model.resetStates() }
}
