#if canImport(Glibc)
import Glibc
#endif

/// Shared/exclusive access to a model, detected rather than waited for (ARCHITECTURE §3): any number of
/// concurrent `predict`/`evaluate` calls, or one mutation (`add`, `compile`, `fit`, `set weights`).
/// A call that would overlap the other kind fails with `.busy` instead of corrupting memory.
/// One exception: the thread that holds exclusive access may also read. `fit` calls its epoch callback
/// between epochs, where the model is consistent, and Keras callbacks such as ModelCheckpoint save or
/// predict from there.
final class AccessGuard: @unchecked Sendable {
    private struct State { var readers = 0; var writer = false; var writerThread = pthread_t() }
    private let lock = Lock()
    private var s = State()

    func shared<T>(_ what: String, _ body: () throws -> T) throws -> T {
        let ok = lock.withLock { () -> Bool in
            if s.writer && pthread_equal(s.writerThread, pthread_self()) == 0 { return false }
            s.readers += 1
            return true
        }
        guard ok else { throw SeqNNError(.busy, "\(what): the model is being modified (fit, compile, add, ...) by another call") }
        defer { lock.withLock { s.readers -= 1 } }
        return try body()
    }

    func exclusive<T>(_ what: String, _ body: () throws -> T) throws -> T {
        let ok = lock.withLock { () -> Bool in
            if s.writer || s.readers > 0 { return false }
            s.writer = true
            s.writerThread = pthread_self()
            return true
        }
        guard ok else { throw SeqNNError(.busy, "\(what): the model is in use by another call (predict, fit, ...); mutations need exclusive access") }
        defer { lock.withLock { s.writer = false } }
        return try body()
    }
}
