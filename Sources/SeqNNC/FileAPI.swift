import CSeqNNSupport
import SeqNN
import SeqNNFile

// The C ABI of Include/seqnn.h, part 3: model files.

/// The size of seqnn_save_options at ABI 1 (see fitOptionsV1Size).
let saveOptionsV1Size = MemoryLayout<seqnn_save_options>.offset(of: \seqnn_save_options.test_x_len)! + MemoryLayout<Int>.size

@_cdecl("seqnn_save_options_init")
public func c_save_options_init(_ o: UnsafeMutablePointer<seqnn_save_options>?) {
    guard let o else { return }
    o.pointee = seqnn_save_options()
    o.pointee.struct_size = MemoryLayout<seqnn_save_options>.size
    o.pointee.include_optimizer = 1
}

@_cdecl("seqnn_model_save")
public func c_model_save(_ model: OpaquePointer?, _ path: UnsafePointer<CChar>?, _ options: UnsafePointer<seqnn_save_options>?) -> Int32 {
    withModel(model, "seqnn_model_save") { h in
        let p = try string(path, "path")
        var o = ModelWriter.Options()
        if let c = options?.pointee {
            guard c.struct_size >= saveOptionsV1Size else {
                throw SeqNNError(.invalidArgument, "options.struct_size is \(c.struct_size); expected at least \(saveOptionsV1Size) (call seqnn_save_options_init first)")
            }
            o.includeOptimizer = c.include_optimizer != 0
            o.keras2OptimizerWeights = c.keras2_optimizer_weights != 0
            if c.test_x != nil { o.testInputs = Array(try floats(c.test_x, Int(c.test_x_len), "options.test_x")) }
        }
        try ModelWriter.saveAny(h.model, to: p, options: o, seqnnVersion: String(cString: c_version()))
    }
}

/// The size of seqnn_load_options as first published.
let loadOptionsV1Size = MemoryLayout<seqnn_load_options>.size

@_cdecl("seqnn_load_options_init")
public func c_load_options_init(_ o: UnsafeMutablePointer<seqnn_load_options>?) {
    guard let o else { return }
    o.pointee = seqnn_load_options()
    o.pointee.struct_size = MemoryLayout<seqnn_load_options>.size
    o.pointee.memory_limit = UInt64(LoadOptions.defaultMemoryLimit)
}

func loadOptions(_ options: UnsafePointer<seqnn_load_options>?) throws -> LoadOptions {
    var o = LoadOptions()
    guard let c = options?.pointee else { return o }
    guard c.struct_size >= loadOptionsV1Size else {
        throw SeqNNError(.invalidArgument, "options.struct_size is \(c.struct_size); expected at least \(loadOptionsV1Size) (call seqnn_load_options_init first)")
    }
    o.trusted = c.trusted != 0
    if c.memory_limit != 0 {
        guard c.memory_limit <= UInt64(Int.max / 2) else { throw SeqNNError(.invalidArgument, "options.memory_limit \(c.memory_limit) is too large") }
        o.memoryLimit = Int(c.memory_limit)
    }
    if c.time_limit != 0 {
        guard c.time_limit > 0, c.time_limit <= 1e6 else { throw SeqNNError(.invalidArgument, "options.time_limit must be a positive number of seconds (at most 1e6), found \(c.time_limit)") }
        o.timeLimit = c.time_limit
    }
    return o
}

@_cdecl("seqnn_model_load")
public func c_model_load(_ path: UnsafePointer<CChar>?, _ seed: UInt64, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    c_model_load_ex(path, seed, nil, out)
}

@_cdecl("seqnn_model_load_ex")
public func c_model_load_ex(_ path: UnsafePointer<CChar>?, _ seed: UInt64, _ options: UnsafePointer<seqnn_load_options>?,
                            _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    out?.pointee = nil
    return guarded(nil, "seqnn_model_load") {
        let o = try required(out, "model")
        let p = try string(path, "path")
        let m = try ModelReader.load(p, seed: seed, options: loadOptions(options))
        o.pointee = OpaquePointer(Unmanaged.passRetained(ModelHandle(m)).toOpaque())
    }
}

@_cdecl("seqnn_model_load_weights")
public func c_model_load_weights(_ model: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    c_model_load_weights_ex(model, path, nil)
}

@_cdecl("seqnn_model_load_weights_ex")
public func c_model_load_weights_ex(_ model: OpaquePointer?, _ path: UnsafePointer<CChar>?, _ options: UnsafePointer<seqnn_load_options>?) -> Int32 {
    withModel(model, "seqnn_model_load_weights") { h in
        try ModelReader.loadWeights(string(path, "path"), into: h.model, options: loadOptions(options))
    }
}

/// The reader process's entry point (Sources/seqnn-reader): not for applications.
@_cdecl("seqnn_reader_main")
public func c_reader_main(_ path: UnsafePointer<CChar>?, _ budget: UInt64) -> Int32 {
    guard let path else { return 2 }
    return ReaderProcess.serve(path: String(cString: path), budget: Int(clamping: budget))
}
