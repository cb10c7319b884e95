#if canImport(Glibc)
import Glibc
#endif
import CSeqNNSupport
import SeqNN

/// How a model file is read (seqnn_load_options in C, `trusted=` / `memory_limit=` / `time_limit=` in Python,
/// `--trusted` in seqinspect).
package struct LoadOptions: Sendable {
    /// Read with libhdf5 in this process (fast, no helper process) instead of in `seqnn-reader`. Only for files
    /// the caller trusts: Debian 12's libhdf5 1.10.8 crashes or loops forever on some damaged files.
    package var trusted = false
    /// The bytes a load may allocate for the file's arrays, strings and the model's weights (checked against
    /// declared sizes before allocating); a load that would need more fails with SEQNN_OUT_OF_MEMORY.
    package var memoryLimit = LoadOptions.defaultMemoryLimit
    /// Seconds the reader process may take; nil: `defaultTimeLimit(fileSize:)`.
    package var timeLimit: Double?

    package init() {}

    /// Half the machine's physical memory, at least 256 MiB: a load can never take the machine down,
    /// and any model SeqNN can train on this machine still loads.
    package static let defaultMemoryLimit: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return 4 << 30 }
        return max(256 << 20, pages / 2 * size)
    }()

    /// 10 s plus 5 s per 100 MB: reading is ~1 s per 100 MB here, so only a looping libhdf5 reaches it.
    package static func defaultTimeLimit(fileSize: Int) -> Double { 10 + 5 * Double(fileSize) / 100e6 }
}

/// Runs `H5Snapshot` where a damaged or hostile file cannot hurt the caller: in the `seqnn-reader` helper,
/// spawned with posix_spawn (safe in multi-threaded callers such as Python: no fork of this process's
/// state, the child starts from exec), found beside libseqnn.so (dladdr), never through the checkout or PATH.
/// The helper limits its own address space, CPU time, file writes and children before libhdf5 runs, and dies
/// with its parent; the parent kills it at the time limit and turns a crash or a hang into a clear error
/// naming the file and the last step the reader announced. What comes back is only a description
/// (`H5Tree`), decoded by bounded Swift code.
package enum ReaderProcess {
    static func describe(_ path: String, fileSize: Int, options: LoadOptions) throws -> H5Tree {
        guard options.memoryLimit > 0 else { throw SeqNNError(.invalidArgument, "memory_limit must be positive, found \(options.memoryLimit)") }
        if let t = options.timeLimit, !(t > 0 && t <= 1e6) { throw SeqNNError(.invalidArgument, "time_limit must be a positive number of seconds, found \(t)") }
        if options.trusted {
            let sink = H5Snapshot.Sink()
            try H5Snapshot.describe(path, budget: options.memoryLimit, into: sink)
            return try H5Tree.decode(sink.buffer, file: path)
        }
        let seconds = options.timeLimit ?? LoadOptions.defaultTimeLimit(fileSize: fileSize)
        return try H5Tree.decode(try run(path, budget: options.memoryLimit, seconds: seconds, fileSize: fileSize), file: path)
    }

    /// The helper's entry point (seqnn_reader_main): describes `path` to fd 1, progress to fd 2. A refusal or
    /// error becomes an error record; only a crash or hang of libhdf5 ends it otherwise.
    package static func serve(path: String, budget: Int) -> Int32 {
        H5Snapshot.progressFD = 2
        let sink = H5Snapshot.Sink(fd: 1)
        do {
            try H5Snapshot.describe(path, budget: budget, into: sink)
        } catch {
            let e = error as? SeqNNError ?? SeqNNError(.internalError, "\(error)")
            sink.error(e)
            do { try sink.flush() } catch { return 3 }
        }
        return 0
    }

    // MARK: Finding the helper

    nonisolated(unsafe) static var anchor: UInt8 = 0

    /// (helper, library): the library holding this code (or, for seqinspect, the install tree's or build
    /// folder's libseqnn.so) and the `seqnn-reader` beside it.
    static func locate() throws -> (helper: String, library: String) {
        var buf = [CChar](repeating: 0, count: 4096)
        guard withUnsafeMutablePointer(to: &anchor, { SeqNNSupport_image_path(UnsafeRawPointer($0), &buf, buf.count) }) == 0 else {
            throw SeqNNError(.internalError, "cannot find where SeqNN's code is loaded from (dladdr failed), so the reader process cannot be found")
        }
        let image = String(cString: buf)
        let dir = String(image[..<(image.lastIndex(of: "/") ?? image.startIndex)])
        let base = image[image.index(after: image.lastIndex(of: "/") ?? image.startIndex)...]
        let libraries = base.hasPrefix("libseqnn.so") ? [image] : [dir + "/libseqnn.so", dir + "/../lib/libseqnn.so"]
        for lib in libraries where access(lib, R_OK) == 0 {
            let libDir = String(lib[..<(lib.lastIndex(of: "/") ?? lib.endIndex)])
            let helper = libDir + "/seqnn-reader"
            if access(helper, X_OK) == 0 { return (helper, lib) }
        }
        throw SeqNNError(.internalError, "SeqNN's reader process 'seqnn-reader' was not found beside \(libraries.joined(separator: " or ")) (an incomplete installation?); it reads untrusted model files safely. Load with the trusted option only files you trust")
    }

    // MARK: Running it

    static func run(_ path: String, budget: Int, seconds: Double, fileSize: Int) throws -> [UInt8] {
        let (helper, library) = try locate()
        var out: [Int32] = [-1, -1], progress: [Int32] = [-1, -1]
        guard SeqNNSupport_pipe_cloexec(&out) == 0 else { throw SeqNNError(.io, "cannot create a pipe for the reader process: \(String(cString: strerror(errno)))") }
        guard SeqNNSupport_pipe_cloexec(&progress) == 0 else {
            close(out[0]); close(out[1])
            throw SeqNNError(.io, "cannot create a pipe for the reader process: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, progress[1], 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // The caller's signal mask and ignored signals (Python ignores SIGPIPE) are not the helper's.
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        // Address space: the budget, the file (an archive's weights are held twice) and room for the runtime.
        let addressSpace = budget.addingReportingOverflow(2 * fileSize + (1 << 30)).partialValue
        let args = [helper, library, path, String(budget), String(addressSpace), String(Int(seconds.rounded(.up)) + 1)]
        var env = ["SWIFT_BACKTRACE=enable=no"]   // a crash is reported by the parent, not symbolicated for seconds
        if let p = getenv("LD_LIBRARY_PATH") { env.append("LD_LIBRARY_PATH=" + String(cString: p)) }
        var pid: pid_t = 0
        let status = withCStrings(args) { argv in withCStrings(env) { envp in posix_spawn(&pid, helper, &actions, &attr, argv, envp) } }
        close(out[1]); close(progress[1])
        guard status == 0 else {
            close(out[0]); close(progress[0])
            throw SeqNNError(.io, "cannot start the reader process \(helper): \(String(cString: strerror(status)))")
        }
        return try collect(pid: pid, out: out[0], progress: progress[0], path: path, seconds: seconds, cap: budget + (64 << 20))
    }

    /// Reads the helper's output and progress until both end, the time limit passes, or it says more than `cap`
    /// bytes; then reaps it (killed first on failure) and turns its fate into the result or an error.
    static func collect(pid: pid_t, out: Int32, progress: Int32, path: String, seconds: Double, cap: Int) throws -> [UInt8] {
        var data = [UInt8](), lastStep = [UInt8](), open = [true, true]
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let deadline = now() + seconds
        var failure: String?
        defer { close(out); close(progress) }
        while open[0] || open[1] {
            let left = deadline - now()
            if left <= 0 { failure = "did not finish in \(format(seconds)) s"; break }
            var fds = [pollfd(fd: open[0] ? out : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: open[1] ? progress : -1, events: Int16(POLLIN), revents: 0)]
            let r = poll(&fds, 2, Int32(min(left * 1000 + 1, 1e6)))
            if r <= 0 { continue }   // EINTR or timeout: the deadline check decides
            for i in 0..<2 where open[i] && fds[i].revents != 0 {
                let n = chunk.withUnsafeMutableBytes { read(fds[i].fd, $0.baseAddress, $0.count) }
                if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                if n <= 0 { open[i] = false; continue }
                if i == 0 {
                    data.append(contentsOf: chunk[0..<n])
                    if data.count > cap { failure = "produced more than the memory limit allows" }
                } else {
                    lastStep.append(contentsOf: chunk[0..<n])
                    if lastStep.count > 4096 { lastStep.removeFirst(lastStep.count - 4096) }
                }
            }
            if failure != nil { break }
        }
        if failure != nil { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let lines = String(decoding: lastStep, as: UTF8.self).split(separator: "\n")
        let step = lines.last.map { " while \($0)" } ?? ""
        if let failure {
            throw SeqNNError(.format, "'\(path)': the file is damaged or hostile: reading it \(failure)\(step); the reader process was stopped (raise time_limit only for a file you trust)")
        }
        let signal = status & 0x7f
        if signal != 0 {
            let what: String
            switch signal {
            case SIGXCPU: what = "did not finish within its CPU time limit"
            case SIGKILL: what = "got the reader killed (CPU time limit, or the kernel's out-of-memory killer)"
            case SIGSEGV, SIGBUS, SIGILL, SIGFPE: what = "crashed libhdf5 (\(signalName(signal)))"
            default: what = "crashed the reader (\(signalName(signal)); it may have run out of its memory limit)"
            }
            throw SeqNNError(.format, "'\(path)': the file is damaged or hostile: reading it \(what)\(step)")
        }
        let code = (status >> 8) & 0xff
        guard code == 0 else {
            throw SeqNNError(.internalError, "the reader process for '\(path)' failed (exit status \(code)): \(lines.last ?? "no message")")
        }
        return data
    }

    static func signalName(_ s: Int32) -> String {
        switch s {
        case SIGSEGV: return "SIGSEGV"
        case SIGBUS: return "SIGBUS"
        case SIGILL: return "SIGILL"
        case SIGFPE: return "SIGFPE"
        case SIGABRT: return "SIGABRT"
        case SIGTRAP: return "SIGTRAP"
        default: return "signal \(s)"
        }
    }

    static func format(_ s: Double) -> String { s == s.rounded() ? String(Int(s)) : String(s) }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var ptrs: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        ptrs.append(nil)
        defer { ptrs.forEach { free($0) } }
        return body(ptrs)
    }
}
