/// Every failure SeqNN reports. `kind` maps one-to-one onto the C ABI's status codes (`seqnn.h`).
public struct SeqNNError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Int32, Sendable {
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
    }
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
