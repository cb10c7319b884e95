import CSeqNNSupport
import SeqNN

#if canImport(Glibc)
import Glibc
#endif

// The C ABI of Include/seqnn.h, part 3 (ABI 3): batch hooks, batch sources, and evaluate/predict with options.

/// A C callback's error return, the cause in the message ("... failed at batch 3: it returned -1").
struct CallbackReturned: Error, CustomStringConvertible {
    let code: Int32
    var description: String { "it returned \(code)" }
}

/// C copies of the log names a batch hook receives, made once per call.
final class CNames: @unchecked Sendable {
    let pointers: UnsafeMutableBufferPointer<UnsafePointer<CChar>?>
    init(_ names: [String]) {
        pointers = .allocate(capacity: max(names.count, 1))
        pointers.initialize(repeating: nil)
        for (i, n) in names.enumerated() { pointers[i] = UnsafePointer(strdup(n)) }
    }
    deinit {
        for p in pointers { free(UnsafeMutableRawPointer(mutating: p)) }
        pointers.deallocate()
    }
}

/// The core hook for a C seqnn_batch_hook_fn: > 0 stops, < 0 is an error (SEQNN_CALLBACK_STOPPED).
func batchHook(_ fn: seqnn_batch_hook_fn?, _ userData: UnsafeMutableRawPointer?, names: [String]) -> BatchHook? {
    guard let fn else { return nil }
    let ud = UserData(pointer: userData)
    let cNames = CNames(names)
    return { phase, end, batch, values, outputs in
        let r = fn(ud.pointer, phase.rawValue, end ? 1 : 0, Int64(batch), UnsafePointer(cNames.pointers.baseAddress),
                   values.baseAddress, values.count, outputs.baseAddress, outputs.count)
        if r < 0 { throw CallbackReturned(code: r) }
        return r > 0
    }
}

/// Translates a C seqnn_batch_source; `name` is the argument's name in messages.
func batchSource(_ p: UnsafePointer<seqnn_batch_source>?, _ name: String) throws -> BatchSource {
    let s = try required(p, name).pointee
    guard s.struct_size >= MemoryLayout<seqnn_batch_source>.size else {
        throw SeqNNError(.invalidArgument, "\(name).struct_size is \(s.struct_size); expected \(MemoryLayout<seqnn_batch_source>.size) (call seqnn_batch_source_init first)")
    }
    let fill = try required(s.next_batch, "\(name).next_batch")
    guard s.steps >= 0 else { throw SeqNNError(.invalidArgument, "\(name).steps must be >= 0, found \(s.steps)") }
    guard s.max_rows > 0 else { throw SeqNNError(.invalidArgument, "\(name).max_rows must be > 0, found \(s.max_rows)") }
    guard s.indexable == 0 || s.steps > 0 else {
        throw SeqNNError(.invalidArgument, "\(name): an indexable source needs steps > 0 (its number of batches)")
    }
    let ud = UserData(pointer: s.user_data)
    let endPass = s.end_pass
    return BatchSource(steps: s.steps > 0 ? Int(s.steps) : nil, maxRows: Int(s.max_rows), indexable: s.indexable != 0,
                       hasSampleWeight: s.sample_weights != 0,
                       fill: { index, x, y, yWidth, w in
                           var rows: Int64 = -1
                           let r = fill(ud.pointer, Int64(index), x, y, yWidth, w, &rows)
                           if r != 0 { throw CallbackReturned(code: r) }
                           guard rows >= 0, rows <= Int64(Int32.max) else {
                               throw SeqNNError(.shapeMismatch, "batch \(index): the source reported \(rows) rows")
                           }
                           return Int(rows)
                       },
                       endPass: endPass.map { f in { f(ud.pointer) } })
}

@_cdecl("seqnn_batch_source_init")
public func c_batch_source_init(_ s: UnsafeMutablePointer<seqnn_batch_source>?) {
    guard let s else { return }
    s.pointee = seqnn_batch_source()
    s.pointee.struct_size = MemoryLayout<seqnn_batch_source>.size
    s.pointee.max_rows = 32
}

@_cdecl("seqnn_run_options_init")
public func c_run_options_init(_ o: UnsafeMutablePointer<seqnn_run_options>?) {
    guard let o else { return }
    o.pointee = seqnn_run_options()
    o.pointee.struct_size = MemoryLayout<seqnn_run_options>.size
}

/// The batch size and hook of run options (NULL: defaults); `names` label the hook's values.
func runOptions(_ p: UnsafePointer<seqnn_run_options>?, names: [String]) throws -> (batch: Int?, hook: BatchHook?) {
    guard let p else { return (nil, nil) }
    let o = p.pointee
    guard o.struct_size >= MemoryLayout<seqnn_run_options>.size else {
        throw SeqNNError(.invalidArgument, "options.struct_size is \(o.struct_size); expected \(MemoryLayout<seqnn_run_options>.size) (call seqnn_run_options_init first)")
    }
    guard o.batch_size >= 0 else { throw SeqNNError(.invalidArgument, "options.batch_size must be >= 0, found \(o.batch_size)") }
    return (o.batch_size > 0 ? Int(o.batch_size) : nil, batchHook(o.on_batch, o.batch_user_data, names: names))
}

@_cdecl("seqnn_model_fit_source")
public func c_model_fit_source(_ model: OpaquePointer?, _ source: UnsafePointer<seqnn_batch_source>?,
                               _ options: UnsafePointer<seqnn_fit_options>?, _ history: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    history?.pointee = nil
    return withModel(model, "seqnn_model_fit_source") { h in
        let src = try batchSource(source, "source")
        let hist = try h.model.fit(source: src, options: fitOptions(options, model: h.model))
        if let history { history.pointee = OpaquePointer(Unmanaged.passRetained(HistoryHandle(hist)).toOpaque()) }
    }
}

@_cdecl("seqnn_model_evaluate_ex")
public func c_model_evaluate_ex(_ model: OpaquePointer?, _ x: UnsafePointer<Float>?, _ xLen: Int, _ y: UnsafePointer<Float>?, _ yLen: Int,
                                _ options: UnsafePointer<seqnn_run_options>?, _ results: UnsafeMutablePointer<Double>?,
                                _ cap: Int, _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    withModel(model, "seqnn_model_evaluate_ex") { h in
        let names = try h.model.metricNames()
        try checkResults(results, cap, count, needed: names.count)
        let o = try runOptions(options, names: names)
        let r = try h.model.evaluate(x: floats(x, xLen, "x"), y: floats(y, yLen, "y"), batchSize: o.batch, onBatch: o.hook)
        try copyOut(r, results, cap, count)
    }
}

@_cdecl("seqnn_model_predict_ex")
public func c_model_predict_ex(_ model: OpaquePointer?, _ x: UnsafePointer<Float>?, _ xLen: Int, _ options: UnsafePointer<seqnn_run_options>?,
                               _ out: UnsafeMutablePointer<Float>?, _ cap: Int, _ len: UnsafeMutablePointer<Int>?) -> Int32 {
    withModel(model, "seqnn_model_predict_ex") { h in
        let o = try runOptions(options, names: [])
        try predictArrays(h, x, xLen, o.batch, out, cap, len, hook: o.hook)
    }
}

@_cdecl("seqnn_model_evaluate_source")
public func c_model_evaluate_source(_ model: OpaquePointer?, _ source: UnsafePointer<seqnn_batch_source>?,
                                    _ options: UnsafePointer<seqnn_run_options>?, _ results: UnsafeMutablePointer<Double>?,
                                    _ cap: Int, _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    withModel(model, "seqnn_model_evaluate_source") { h in
        let names = try h.model.metricNames()
        try checkResults(results, cap, count, needed: names.count)
        let src = try batchSource(source, "source")
        let o = try runOptions(options, names: names)
        try copyOut(h.model.evaluate(source: src, onBatch: o.hook), results, cap, count)
    }
}

@_cdecl("seqnn_model_predict_source")
public func c_model_predict_source(_ model: OpaquePointer?, _ source: UnsafePointer<seqnn_batch_source>?,
                                   _ options: UnsafePointer<seqnn_run_options>?, _ out: UnsafeMutablePointer<Float>?,
                                   _ cap: Int, _ len: UnsafeMutablePointer<Int>?) -> Int32 {
    len?.pointee = 0
    return withModel(model, "seqnn_model_predict_source") { h in
        guard cap >= 0 else { throw SeqNNError(.invalidArgument, "cap is negative") }
        guard out != nil || cap == 0 else { throw SeqNNError(.invalidArgument, "out is NULL with cap \(cap) > 0") }
        let src = try batchSource(source, "source")
        let o = try runOptions(options, names: [])
        let buffer = out.map { UnsafeMutableBufferPointer(start: $0, count: cap) }
        let samples = try h.model.predict(source: src, into: buffer, onBatch: o.hook)
        if out != nil, let w = h.model.outputSize { len?.pointee = samples * w }
    }
}
