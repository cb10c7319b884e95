import CSeqNNSupport
import SeqNN

// The C ABI of Include/seqnn.h, part 1: library facts, model construction, weights, compile.
// Each export validates its arguments and runs its body through `guarded`; see Handles.swift.

let seqnnVersion: StaticString = "0.1.0"

@_cdecl("seqnn_version")
public func c_version() -> UnsafePointer<CChar> {
    cString(seqnnVersion)
}

/// SEQNN_ABI_VERSION of Include/seqnn.h: 2 added seqnn_layer_class_names; 3 batch hooks and sources.
@_cdecl("seqnn_abi_version")
public func c_abi_version() -> Int32 { 3 }

/// The text comes from SeqNNError.Kind, the Swift side's one status table (raw value == C status).
@_cdecl("seqnn_status_string")
public func c_status_string(_ status: Int32) -> UnsafePointer<CChar> {
    let text: StaticString
    if status == SeqNNError.ok.code {
        text = SeqNNError.ok.statusText
    } else if let kind = SeqNNError.Kind(rawValue: status) {
        text = kind.statusText
    } else {
        text = "unknown status"
    }
    return cString(text)
}

/// A static string as the C pointer the header promises lives forever.
func cString(_ s: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("seqnn_last_error")
public func c_last_error() -> UnsafePointer<CChar> { SeqNNSupport_thread_error() }

@_cdecl("seqnn_set_num_threads")
public func c_set_num_threads(_ n: Int32) -> Int32 {
    guarded(nil, "seqnn_set_num_threads") {
        guard n >= 1 else { throw SeqNNError(.invalidArgument, "n must be >= 1, found \(n)") }
        Kernels.setThreads(Int(n))
    }
}

@_cdecl("seqnn_model_create")
public func c_model_create(_ seed: UInt64) -> OpaquePointer? {
    let h = ModelHandle(Sequential(seed: seed))
    return OpaquePointer(Unmanaged.passRetained(h).toOpaque())
}

@_cdecl("seqnn_model_free")
public func c_model_free(_ model: OpaquePointer?) {
    guard let model else { return }
    Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(model)).release()
}

@_cdecl("seqnn_model_last_error")
public func c_model_last_error(_ model: OpaquePointer?) -> UnsafePointer<CChar> {
    handle(model)?.lastError ?? cString("")
}

/// The Keras class names seqnn_model_add accepts, one per line: read from LayerRegistry, so a class added
/// there is announced (and reaches the Python binding's generic layer classes) with no other edit.
@_cdecl("seqnn_layer_class_names")
public func c_layer_class_names(_ buf: UnsafeMutablePointer<CChar>?, _ cap: Int, _ len: UnsafeMutablePointer<Int>?) -> Int32 {
    guarded(nil, "seqnn_layer_class_names") {
        // A NULL buffer is the size query (cap 0); with a capacity it is a caller's bug (copyOut says so).
        try copyOut(LayerRegistry.classNames.joined(separator: "\n"), buf, cap, len)
    }
}

@_cdecl("seqnn_model_set_input")
public func c_model_set_input(_ model: OpaquePointer?, _ shape: UnsafePointer<Int64>?, _ ndim: Int, _ batch: Int64) -> Int32 {
    withModel(model, "seqnn_model_set_input") { h in
        let s = try required(shape, "shape")
        guard ndim > 0, ndim <= 16 else { throw SeqNNError(.invalidArgument, "ndim must be 1...16, found \(ndim)") }
        guard batch >= 0 else { throw SeqNNError(.invalidArgument, "batch_size must be >= 0, found \(batch)") }
        let dims = (0..<ndim).map { Int(s[$0]) }
        try h.model.setInput(shape: dims, batchSize: batch > 0 ? Int(batch) : nil)
    }
}

@_cdecl("seqnn_model_add")
public func c_model_add(_ model: OpaquePointer?, _ className: UnsafePointer<CChar>?, _ config: UnsafePointer<CChar>?) -> Int32 {
    withModel(model, "seqnn_model_add") { h in
        let cls = try string(className, "class_name")
        let json = config == nil ? JSON.object([]) : try JSON.parse(try string(config, "config_json"))
        try h.model.add(LayerRegistry.make(className: cls, config: json))
    }
}

@_cdecl("seqnn_model_add_dense")
public func c_model_add_dense(_ model: OpaquePointer?, _ units: Int64, _ activation: UnsafePointer<CChar>?) -> Int32 {
    withModel(model, "seqnn_model_add_dense") { h in
        let act = activation == nil ? nil : try string(activation, "activation")
        try h.model.add(Dense(units: Int(clamping: units), activation: Activations.named(act)))
    }
}

@_cdecl("seqnn_model_add_activation")
public func c_model_add_activation(_ model: OpaquePointer?, _ activation: UnsafePointer<CChar>?) -> Int32 {
    withModel(model, "seqnn_model_add_activation") { h in
        try h.model.add(Activation(Activations.named(string(activation, "activation"))))
    }
}

@_cdecl("seqnn_model_add_dropout")
public func c_model_add_dropout(_ model: OpaquePointer?, _ rate: Float) -> Int32 {
    withModel(model, "seqnn_model_add_dropout") { h in try h.model.add(Dropout(rate: rate)) }
}

@_cdecl("seqnn_model_pop")
public func c_model_pop(_ model: OpaquePointer?) -> Int32 {
    withModel(model, "seqnn_model_pop") { h in try h.model.pop() }
}

@_cdecl("seqnn_model_layer_count")
public func c_model_layer_count(_ model: OpaquePointer?) -> Int {
    guard let h = handle(model) else { return 0 }
    return (try? h.model.reading("layer_count") { h.model.layers.count }) ?? 0
}

/// A layer's name or class as a C string owned by the handle; nil for a bad index or during a mutation.
func layerString(_ model: OpaquePointer?, _ index: Int, _ field: (Layer) -> String) -> UnsafePointer<CChar>? {
    guard let h = handle(model) else { return nil }
    let s = try? h.model.reading("layer") { () -> String? in
        let layers = h.model.layers
        return index >= 0 && index < layers.count ? field(layers[index]) : nil
    }
    return (s ?? nil).map { h.cString($0) }
}

@_cdecl("seqnn_model_layer_name")
public func c_model_layer_name(_ model: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    layerString(model, index) { $0.name }
}

@_cdecl("seqnn_model_layer_class")
public func c_model_layer_class(_ model: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    layerString(model, index) { $0.kerasClassName }
}

@_cdecl("seqnn_model_input_size")
public func c_model_input_size(_ model: OpaquePointer?, _ size: UnsafeMutablePointer<Int>?) -> Int32 {
    withModel(model, "seqnn_model_input_size") { h in
        let out = try required(size, "size")
        guard let n = try h.model.reading("input_size", { h.model.inputSize }) else {
            throw SeqNNError(.notBuilt, "the model's input shape is unknown")
        }
        out.pointee = n
    }
}

@_cdecl("seqnn_model_output_size")
public func c_model_output_size(_ model: OpaquePointer?, _ size: UnsafeMutablePointer<Int>?) -> Int32 {
    withModel(model, "seqnn_model_output_size") { h in
        let out = try required(size, "size")
        guard let n = try h.model.reading("output_size", { h.model.outputSize }) else {
            throw SeqNNError(.notBuilt, "the model's input shape is unknown")
        }
        out.pointee = n
    }
}

@_cdecl("seqnn_model_count_params")
public func c_model_count_params(_ model: OpaquePointer?, _ total: UnsafeMutablePointer<Int>?, _ trainable: UnsafeMutablePointer<Int>?) -> Int32 {
    withModel(model, "seqnn_model_count_params") { h in
        let t = try required(total, "total"), tr = try required(trainable, "trainable")
        try h.model.reading("count_params") {
            t.pointee = h.model.parameterCount
            tr.pointee = h.model.trainableParameterCount
        }
    }
}

@_cdecl("seqnn_model_summary")
public func c_model_summary(_ model: OpaquePointer?, _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int, _ len: UnsafeMutablePointer<Int>?) -> Int32 {
    withModel(model, "seqnn_model_summary") { h in try copyOut(h.model.reading("summary") { h.model.summary() }, buf, cap, len) }
}

// MARK: Weights

@_cdecl("seqnn_model_weight_count")
public func c_model_weight_count(_ model: OpaquePointer?, _ layerIndex: Int, _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    withModel(model, "seqnn_model_weight_count") { h in
        let out = try required(count, "count")
        try h.model.reading("weight_count") {
            let layers = h.model.layers
            guard layerIndex >= 0, layerIndex < layers.count else {
                throw SeqNNError(.invalidArgument, "layer index \(layerIndex) is out of range: the model has \(layers.count) layers")
            }
            out.pointee = layers[layerIndex].parameters.count
        }
    }
}

@_cdecl("seqnn_model_weight_shape")
public func c_model_weight_shape(_ model: OpaquePointer?, _ layerIndex: Int, _ index: Int, _ shape: UnsafeMutablePointer<Int64>?,
                                 _ cap: Int, _ ndim: UnsafeMutablePointer<Int>?) -> Int32 {
    withModel(model, "seqnn_model_weight_shape") { h in
        let dims = try h.model.reading("weight_shape") { try h.model.parameter(layer: layerIndex, weight: index).value.shape }
        let rank = dims.count
        try required(ndim, "ndim").pointee = rank
        try checkOutBuffer(shape, cap, "shape")
        guard let shape, cap >= rank else { throw SeqNNError(.bufferTooSmall, "shape holds \(max(cap, 0)) entries; the rank is \(rank)") }
        for (i, d) in dims.enumerated() { shape[i] = Int64(d) }
    }
}

@_cdecl("seqnn_model_get_weight")
public func c_model_get_weight(_ model: OpaquePointer?, _ layerIndex: Int, _ index: Int, _ out: UnsafeMutablePointer<Float>?,
                               _ cap: Int, _ len: UnsafeMutablePointer<Int>?) -> Int32 {
    withModel(model, "seqnn_model_get_weight") { h in
        try checkOutBuffer(out, cap, "out")
        let t = try h.model.weight(layer: layerIndex, index: index)
        len?.pointee = t.count
        guard let out, cap >= t.count else { throw SeqNNError(.bufferTooSmall, "out holds \(max(cap, 0)) floats; the weight has \(t.count)") }
        out.update(from: t.data, count: t.count)
    }
}

@_cdecl("seqnn_model_set_weight")
public func c_model_set_weight(_ model: OpaquePointer?, _ layerIndex: Int, _ index: Int, _ values: UnsafePointer<Float>?, _ len: Int) -> Int32 {
    withModel(model, "seqnn_model_set_weight") { h in
        try h.model.setWeight(layer: layerIndex, index: index, values: floats(values, len, "values"))
    }
}

@_cdecl("seqnn_model_adapt_layer")
public func c_model_adapt_layer(_ model: OpaquePointer?, _ layerIndex: Int, _ x: UnsafePointer<Float>?, _ len: Int) -> Int32 {
    withModel(model, "seqnn_model_adapt_layer") { h in
        try h.model.adapt(layer: layerIndex, x: floats(x, len, "x"))
    }
}

// MARK: Compile

public typealias MetricFn = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<Float>?, UnsafePointer<Float>?,
                                      Int64, Int64, Int64, UnsafeMutablePointer<Double>?) -> Int32

/// A C callback's user_data, carried into a @Sendable closure (the caller vouches for its threads).
struct UserData: @unchecked Sendable { let pointer: UnsafeMutableRawPointer? }

@_cdecl("seqnn_model_add_metric")
public func c_model_add_metric(_ model: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ fn: MetricFn?, _ userData: UnsafeMutableRawPointer?) -> Int32 {
    withModel(model, "seqnn_model_add_metric") { h in
        let n = try string(name, "name")
        let f = try required(fn, "fn")
        let ud = UserData(pointer: userData)
        try h.model.addMetric(CustomMetric(name: n) { yTrue, yPred, rows, cols, trueCols in
            var result = 0.0
            let rc = f(ud.pointer, yTrue, yPred, Int64(rows), Int64(cols), Int64(trueCols), &result)
            guard rc == 0 else { throw SeqNNError(.stopped, "custom metric '\(n)' returned \(rc)") }
            return result
        })
    }
}

/// A metrics argument: NULL, a JSON array, or a comma-separated list of names.
func metricList(_ p: UnsafePointer<CChar>?) throws -> [JSON] {
    guard p != nil else { return [] }
    let s = try string(p, "metrics").trimmingSpaces
    if s.isEmpty { return [] }
    if s.hasPrefix("[") {
        guard let a = try JSON.parse(s).array else { throw SeqNNError(.invalidArgument, "metrics must be a JSON array") }
        return a
    }
    return s.split(separator: ",").map { .string(String($0).trimmingSpaces) }.filter { $0.string != "" }
}

/// A name or a JSON config object.
func nameOrConfig(_ p: UnsafePointer<CChar>?, _ what: String) throws -> JSON {
    let s = try string(p, what).trimmingSpaces
    return s.hasPrefix("{") ? try JSON.parse(s) : .string(s)
}

@_cdecl("seqnn_model_compile")
public func c_model_compile(_ model: OpaquePointer?, _ optimizer: UnsafePointer<CChar>?, _ loss: UnsafePointer<CChar>?,
                            _ metrics: UnsafePointer<CChar>?) -> Int32 {
    withModel(model, "seqnn_model_compile") { h in
        let opt = optimizer == nil ? JSON.string("rmsprop") : try nameOrConfig(optimizer, "optimizer")
        try h.model.compile(optimizer: opt, loss: nameOrConfig(loss, "loss"), metrics: metricList(metrics))
    }
}

@_cdecl("seqnn_model_metric_count")
public func c_model_metric_count(_ model: OpaquePointer?, _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    withModel(model, "seqnn_model_metric_count") { h in
        let out = try required(count, "count")
        out.pointee = try h.model.metricNames().count
    }
}

@_cdecl("seqnn_model_metric_name")
public func c_model_metric_name(_ model: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    guard let h = handle(model), let names = try? h.model.metricNames(), index >= 0, index < names.count else { return nil }
    return h.cString(names[index])
}

extension String {
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let a = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let b = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[a...b])
    }
}

// MARK: Shapes, compile state, learning rate, history

func copyShape(_ dims: [Int], _ shape: UnsafeMutablePointer<Int64>?, _ cap: Int, _ ndim: UnsafeMutablePointer<Int>?) throws {
    try required(ndim, "ndim").pointee = dims.count
    try checkOutBuffer(shape, cap, "shape")
    guard let shape, cap >= dims.count else { throw SeqNNError(.bufferTooSmall, "shape holds \(max(cap, 0)) entries; the rank is \(dims.count)") }
    for (i, d) in dims.enumerated() { shape[i] = Int64(d) }
}

@_cdecl("seqnn_model_input_shape")
public func c_model_input_shape(_ model: OpaquePointer?, _ shape: UnsafeMutablePointer<Int64>?, _ cap: Int,
                                _ ndim: UnsafeMutablePointer<Int>?, _ batch: UnsafeMutablePointer<Int64>?) -> Int32 {
    withModel(model, "seqnn_model_input_shape") { h in
        let (dims, b) = try h.model.reading("input_shape") { (h.model.inputShape, h.model.batchSize) }
        guard let dims else { throw SeqNNError(.notBuilt, "the model's input shape is unknown") }
        try copyShape(dims, shape, cap, ndim)
        batch?.pointee = Int64(b ?? 0)
    }
}

@_cdecl("seqnn_model_layer_output_shape")
public func c_model_layer_output_shape(_ model: OpaquePointer?, _ layerIndex: Int, _ shape: UnsafeMutablePointer<Int64>?,
                                       _ cap: Int, _ ndim: UnsafeMutablePointer<Int>?) -> Int32 {
    withModel(model, "seqnn_model_layer_output_shape") { h in
        let dims = try h.model.reading("layer_output_shape") { () -> [Int]? in
            let layers = h.model.layers
            guard layerIndex >= 0, layerIndex < layers.count else {
                throw SeqNNError(.invalidArgument, "layer index \(layerIndex) is out of range: the model has \(layers.count) layers")
            }
            return layers[layerIndex].outputShape
        }
        guard let dims else { throw SeqNNError(.notBuilt, "layer \(layerIndex) is not built: the model's input shape is unknown") }
        try copyShape(dims, shape, cap, ndim)
    }
}

@_cdecl("seqnn_model_is_compiled")
public func c_model_is_compiled(_ model: OpaquePointer?) -> Int32 {
    guard let h = handle(model) else { return 0 }
    return ((try? h.model.reading("is_compiled") { h.model.isCompiled }) ?? false) ? 1 : 0
}

@_cdecl("seqnn_model_get_learning_rate")
public func c_model_get_learning_rate(_ model: OpaquePointer?, _ lr: UnsafeMutablePointer<Double>?) -> Int32 {
    withModel(model, "seqnn_model_get_learning_rate") { h in
        let out = try required(lr, "learning_rate")
        guard let v = try h.model.reading("get_learning_rate", { h.model.optimizer?.currentLearningRate }) else {
            throw SeqNNError(.notCompiled, "the model is not compiled; call compile first")
        }
        out.pointee = Double(v)
    }
}

@_cdecl("seqnn_model_get_iterations")
public func c_model_get_iterations(_ model: OpaquePointer?, _ iterations: UnsafeMutablePointer<Int64>?) -> Int32 {
    withModel(model, "seqnn_model_get_iterations") { h in
        let out = try required(iterations, "iterations")
        guard let v = try h.model.reading("get_iterations", { h.model.optimizer?.iterations }) else {
            throw SeqNNError(.notCompiled, "the model is not compiled; call compile first")
        }
        out.pointee = Int64(v)
    }
}

@_cdecl("seqnn_model_set_learning_rate")
public func c_model_set_learning_rate(_ model: OpaquePointer?, _ lr: Double) -> Int32 {
    withModel(model, "seqnn_model_set_learning_rate") { h in try h.model.setLearningRate(lr) }
}

@_cdecl("seqnn_model_history")
public func c_model_history(_ model: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    out?.pointee = nil
    return withModel(model, "seqnn_model_history") { h in
        let o = try required(out, "history")
        guard let hist = try h.model.reading("history", { h.model.history }) else {
            throw SeqNNError(.invalidArgument, "the model has no History: it has not been fitted and its file held none")
        }
        o.pointee = OpaquePointer(Unmanaged.passRetained(HistoryHandle(hist)).toOpaque())
    }
}

@_cdecl("seqnn_blas_core")
public func c_blas_core() -> UnsafePointer<CChar> {
    // OpenBLAS returns a pointer to a static string.
    Kernels.blasCoreCString
}

@_cdecl("seqnn_backend")
public func c_backend() -> UnsafePointer<CChar> {
    Kernels.backendCString   // a static string
}
