/// Every failure SeqNN reports. `kind` maps one-to-one onto the C ABI's status codes (`seqnn.h`).
public struct SeqNNError: Error, CustomStringConvertible, Sendable {
    /// The Swift side's one table of `seqnn_status` (Include/seqnn.h is the source of truth): a kind's raw
    /// value IS its C status code, so the C layer returns `kind.rawValue` with no mapping of its own, and
    /// `statusName`/`statusText` below (exhaustive switches, so a new case cannot be forgotten) give the
    /// header's constant name and seqnn_status_string's text. SEQNN_OK is success, not a kind: see
    /// `SeqNNError.ok`. Tests/SeqNNTests/StatusTableTests.swift parses the header and checks this table
    /// against it (same names, same numbers, nothing missing or extra).
    public enum Kind: Int32, Sendable, CaseIterable {
        case invalidArgument = 1    // a bad value: NULL, negative count, unknown name
        case shapeMismatch = 2      // sizes that do not agree with the model
        case unsupported = 3        // a Keras feature SeqNN does not implement
        case format = 4             // a malformed config or model file
        case io = 5                 // the file system refused
        case notCompiled = 6        // training or evaluation before compile
        case outOfMemory = 7
        case stopped = 8            // a callback asked training to stop
        case busy = 9               // a mutation while another call uses the model
        case notBuilt = 10          // the input shape is not known yet
        case numeric = 11           // NaN or Inf in the data
        case bufferTooSmall = 12    // a caller-provided buffer is too small; the size needed is in the message
        case internalError = 13     // a bug in SeqNN (an unexpected Swift error reaching the C layer)
    }

    /// SEQNN_OK: the status of success, with the same three facts as a kind.
    package static let ok: (statusName: String, code: Int32, statusText: StaticString) = ("SEQNN_OK", 0, "ok")

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func invalid(_ m: String) -> SeqNNError { SeqNNError(.invalidArgument, m) }
    static func shape(_ m: String) -> SeqNNError { SeqNNError(.shapeMismatch, m) }
}

extension SeqNNError.Kind {
    /// The C constant's name in seqnn.h's `seqnn_status`.
    package var statusName: String {
        switch self {
        case .invalidArgument: "SEQNN_INVALID_ARGUMENT"
        case .shapeMismatch: "SEQNN_SHAPE_MISMATCH"
        case .unsupported: "SEQNN_UNSUPPORTED"
        case .format: "SEQNN_FORMAT_ERROR"
        case .io: "SEQNN_IO_ERROR"
        case .notCompiled: "SEQNN_NOT_COMPILED"
        case .outOfMemory: "SEQNN_OUT_OF_MEMORY"
        case .stopped: "SEQNN_CALLBACK_STOPPED"
        case .busy: "SEQNN_BUSY"
        case .notBuilt: "SEQNN_NOT_BUILT"
        case .numeric: "SEQNN_NUMERIC_ERROR"
        case .bufferTooSmall: "SEQNN_BUFFER_TOO_SMALL"
        case .internalError: "SEQNN_INTERNAL_ERROR"
        }
    }

    /// seqnn_status_string's text. Static, because the C function hands out a pointer that lives forever.
    package var statusText: StaticString {
        switch self {
        case .invalidArgument: "invalid argument"
        case .shapeMismatch: "shape mismatch"
        case .unsupported: "unsupported"
        case .format: "format error"
        case .io: "I/O error"
        case .notCompiled: "not compiled"
        case .outOfMemory: "out of memory"
        case .stopped: "stopped by a callback"
        case .busy: "busy: the model is in use by another call"
        case .notBuilt: "not built: the input shape is unknown"
        case .numeric: "numeric error: NaN or Inf"
        case .bufferTooSmall: "buffer too small"
        case .internalError: "internal error"
        }
    }
}
