import Synchronization

/// Shared/exclusive access to a model, detected rather than waited for (DESIGN §3): any number of
/// concurrent `predict`/`evaluate` calls, or one mutation (`add`, `compile`, `fit`, `set weights`).
/// A call that would overlap the other kind fails with `.busy` instead of corrupting memory.
final class AccessGuard: Sendable {
    private struct State { var readers = 0; var writer = false }
    private let state = Mutex(State())

    func shared<T>(_ what: String, _ body: () throws -> T) throws -> T {
        let ok = state.withLock { s -> Bool in
            if s.writer { return false }
            s.readers += 1
            return true
        }
        guard ok else { throw SeqNNError(.busy, "\(what): the model is being modified (fit, compile, add, ...) by another call") }
        defer { state.withLock { $0.readers -= 1 } }
        return try body()
    }

    func exclusive<T>(_ what: String, _ body: () throws -> T) throws -> T {
        let ok = state.withLock { s -> Bool in
            if s.writer || s.readers > 0 { return false }
            s.writer = true
            return true
        }
        guard ok else { throw SeqNNError(.busy, "\(what): the model is in use by another call (predict, fit, ...); mutations need exclusive access") }
        defer { state.withLock { $0.writer = false } }
        return try body()
    }
}
