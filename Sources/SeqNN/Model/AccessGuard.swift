#if canImport(Glibc)
import Glibc
#endif

/// Shared/exclusive access to a model (ARCHITECTURE §3): any number of concurrent readers (`predict`,
/// weight and shape queries), or one mutation.
///
/// Mutations come in two kinds:
/// - long ones (`add`, `compile`, `fit`, `evaluate`, `adapt`, `load_weights`, ...) are detected rather
///   than waited for: a reader or mutation that would overlap one fails with `.busy` instead of blocking
///   behind a fit for minutes or corrupting memory;
/// - short ones (`set_weight`: one tensor copy, no callbacks, nothing that blocks) are waited for by
///   readers. A predict that arrives while another thread sets a weight waits the length of that copy and
///   then runs on the new value, so predict never fails because weights are being set (issue 15 measured
///   3.8 % BUSY predicts beside set_weight calls when it did). The short mutation itself still fails with
///   `.busy` while readers run: waiting there could deadlock a reader that sets weights from a batch hook.
///
/// Deadlock freedom: the only wait is a reader's, for a short writer, whose section runs no user code and
/// takes no other lock; the thread that holds exclusive access may also read (`fit` calls its callbacks
/// between batches, where the model is consistent, and Keras callbacks such as ModelCheckpoint save or
/// predict from there).
final class AccessGuard: @unchecked Sendable {
    private enum Writer { case none, long(pthread_t), short }
    private var readers = 0
    private var writer = Writer.none
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let writerDone: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        writerDone = .allocate(capacity: 1)
        pthread_cond_init(writerDone, nil)
    }

    deinit {
        pthread_cond_destroy(writerDone)
        writerDone.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    func shared<T>(_ what: String, _ body: () throws -> T) throws -> T {
        let ok = locked { () -> Bool in
            while true {
                switch writer {
                case .none: break
                case .short: pthread_cond_wait(writerDone, mutex); continue
                case .long(let t): if pthread_equal(t, pthread_self()) == 0 { return false }
                }
                readers += 1
                return true
            }
        }
        guard ok else { throw SeqNNError(.busy, "\(what): the model is being modified (fit, compile, add, ...) by another call") }
        defer { locked { readers -= 1 } }
        return try body()
    }

    func exclusive<T>(_ what: String, _ body: () throws -> T) throws -> T {
        try acquire(what, .long(pthread_self()))
        defer { locked { writer = .none } }
        return try body()
    }

    /// A mutation short enough for readers to wait for: `body` must run no user code and never block.
    func shortExclusive<T>(_ what: String, _ body: () throws -> T) throws -> T {
        try acquire(what, .short)
        defer { locked { writer = .none; pthread_cond_broadcast(writerDone) } }
        return try body()
    }

    private func acquire(_ what: String, _ w: Writer) throws {
        let ok = locked { () -> Bool in
            if case .none = writer, readers == 0 { writer = w; return true }
            return false
        }
        guard ok else { throw SeqNNError(.busy, "\(what): the model is in use by another call (predict, fit, ...); mutations need exclusive access") }
    }
}
