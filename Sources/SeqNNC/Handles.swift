import CSeqNNSupport
import SeqNN

#if canImport(Glibc)
import Glibc
#endif

/// What a `seqnn_model *` points at: the model plus the C strings handed out for it.
final class ModelHandle: @unchecked Sendable {
    let model: Sequential
    /// Guards `errors` and `strings`, which threads sharing the model may touch at once.
    private let lock = Lock()
    /// The last 16 error messages; seqnn_model_last_error returns the newest. Older ones are kept
    /// alive a while so a pointer another thread just read stays valid.
    private var errors: [UnsafeMutablePointer<CChar>] = []
    /// C strings of names (layers, metrics), freed with the handle.
    private var strings: [String: UnsafeMutablePointer<CChar>] = [:]

    init(_ model: Sequential) { self.model = model }

    deinit {
        for p in errors { free(p) }
        for p in strings.values { free(p) }
    }

    func setError(_ message: String) {
        lock.withLock {
            errors.append(strdup(message)!)
            if errors.count > 16 { free(errors.removeFirst()) }
        }
    }

    var lastError: UnsafePointer<CChar>? { lock.withLock { errors.last.map { UnsafePointer($0) } } }

    /// A stable C copy of `s`, shared by equal strings, alive as long as the handle.
    func cString(_ s: String) -> UnsafePointer<CChar> {
        lock.withLock {
            if let p = strings[s] { return UnsafePointer(p) }
            let p = strdup(s)!
            strings[s] = p
            return UnsafePointer(p)
        }
    }
}

final class HistoryHandle: @unchecked Sendable {
    let keys: [UnsafeMutablePointer<CChar>]
    let history: History
    init(_ h: History) {
        history = h
        keys = h.keys.map { strdup($0)! }
    }
    deinit { for p in keys { free(p) } }
}

@inline(__always) func handle(_ p: OpaquePointer?) -> ModelHandle? {
    p.map { Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

@inline(__always) func historyHandle(_ p: OpaquePointer?) -> HistoryHandle? {
    p.map { Unmanaged<HistoryHandle>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

/// Records a failure on the thread (and the model when there is one) and returns its status.
func fail(_ h: ModelHandle?, _ status: Int32, _ message: String) -> Int32 {
    SeqNNSupport_set_thread_error(message)
    h?.setError(message)
    return status
}

/// The body of every fallible export: runs `body`, translating Swift errors into a status plus message.
/// Nothing thrown crosses into C. (Traps cannot be caught, which is why every input is validated first.)
/// The status is the error kind's raw value: SeqNNError.Kind is the one status table (see SeqNNError.swift).
func guarded(_ h: ModelHandle?, _ what: String, _ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return SeqNNError.ok.code
    } catch let e as SeqNNError {
        // Core messages start with their operation ("fit: ..."); drop it when the export names the same one.
        let op = what.removingPrefix("seqnn_model_").removingPrefix("seqnn_")
        return fail(h, e.kind.rawValue, "\(what): " + e.message.removingPrefix(op + ": "))
    } catch {
        return fail(h, SeqNNError.Kind.internalError.rawValue, "\(what): \(error)")
    }
}

/// Runs `body` with a non-NULL model handle, or fails with SEQNN_INVALID_ARGUMENT.
func withModel(_ p: OpaquePointer?, _ what: String, _ body: (ModelHandle) throws -> Void) -> Int32 {
    guard let h = handle(p) else { return fail(nil, SeqNNError.Kind.invalidArgument.rawValue, "\(what): model is NULL") }
    return guarded(h, what) { try body(h) }
}

/// Argument checks that become SEQNN_INVALID_ARGUMENT with a message naming the parameter.
func required<T>(_ p: T?, _ name: String) throws -> T {
    guard let p else { throw SeqNNError(.invalidArgument, "\(name) is NULL") }
    return p
}

func string(_ p: UnsafePointer<CChar>?, _ name: String) throws -> String {
    guard let p else { throw SeqNNError(.invalidArgument, "\(name) is NULL") }
    guard let s = String(validatingCString: p) else { throw SeqNNError(.invalidArgument, "\(name) is not valid UTF-8") }
    return s
}

/// A read-only float array from C; length 0 is allowed with any pointer.
func floats(_ p: UnsafePointer<Float>?, _ n: Int, _ name: String) throws -> UnsafeBufferPointer<Float> {
    guard n >= 0 else { throw SeqNNError(.invalidArgument, "\(name) length \(n) is negative") }
    guard let p else {
        if n == 0 { return UnsafeBufferPointer(start: nil, count: 0) }
        throw SeqNNError(.invalidArgument, "\(name) is NULL")
    }
    return UnsafeBufferPointer(start: p, count: n)
}

/// The header's rule for output buffers: NULL is the size query when the capacity is 0 (the call then fails
/// with SEQNN_BUFFER_TOO_SMALL and reports the size needed); NULL with a capacity, or a capacity that is
/// negative as a signed size (a size_t wrapped from a negative number), is the caller's bug:
/// SEQNN_INVALID_ARGUMENT, as for every other NULL pointer.
func checkOutBuffer(_ p: UnsafeMutableRawPointer?, _ cap: Int, _ name: String) throws {
    guard cap >= 0 else { throw SeqNNError(.invalidArgument, "\(name)'s capacity \(UInt(bitPattern: cap)) is out of range") }
    guard p != nil || cap == 0 else { throw SeqNNError(.invalidArgument, "\(name) is NULL but its capacity is \(cap); pass NULL only with capacity 0 (to ask for the size)") }
}

/// Copies `s` with its NUL into a caller buffer, reporting the length needed.
func copyOut(_ s: String, _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int, _ len: UnsafeMutablePointer<Int>?) throws {
    try checkOutBuffer(buf, cap, "buf")
    let bytes = Array(s.utf8)
    len?.pointee = bytes.count
    guard let buf, cap > bytes.count else {
        throw SeqNNError(.bufferTooSmall, "the buffer holds \(max(cap, 0)) bytes; \(bytes.count + 1) are needed (with the NUL)")
    }
    bytes.withUnsafeBufferPointer { b in
        buf.withMemoryRebound(to: UInt8.self, capacity: bytes.count + 1) { dst in
            dst.update(from: b.baseAddress!, count: bytes.count)
            dst[bytes.count] = 0
        }
    }
}

/// Copies doubles into a caller buffer of capacity `cap`, reporting the count.
func copyOut(_ values: [Double], _ out: UnsafeMutablePointer<Double>?, _ cap: Int, _ count: UnsafeMutablePointer<Int>?) throws {
    try checkOutBuffer(out, cap, "values")
    count?.pointee = values.count
    guard let out, cap >= values.count else {
        throw SeqNNError(.bufferTooSmall, "the results buffer holds \(max(cap, 0)) values; \(values.count) are needed")
    }
    for (i, v) in values.enumerated() { out[i] = v }
}

extension String {
    func removingPrefix(_ p: String) -> String { hasPrefix(p) ? String(dropFirst(p.count)) : self }
}
