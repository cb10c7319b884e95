#if canImport(Glibc)
import Glibc
#endif

/// A plain pthread mutex. Swift's `Synchronization.Mutex` on Linux is a priority-inheritance futex keyed
/// by a thread id the runtime caches; in a process forked from one that already used it (Python's
/// multiprocessing, test harnesses) the cached id is stale and locking traps. A library embedded in other
/// people's processes cannot allow that, so SeqNN locks with pthreads.
package final class Lock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    package init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    package func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
