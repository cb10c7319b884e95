#if canImport(Glibc)
import Glibc
#endif
import SeqNN

/// Puts a finished file's bytes at a path so that the path holds the old file or the new one, whole, whatever
/// happens (a kill, a full disk, a power cut after the call returned), and cleans up after saves that were
/// killed. Every format is assembled in memory first (ModelWriter, KerasArchiveWriter) and handed here, so
/// libhdf5 and libzip never see the destination's file system: a full disk is one failed write() here,
/// which leaks nothing (libhdf5 kept ~0.6 MB of metadata cache per file whose flush failed, and crashed in
/// its exit handler after 200 of them: issue 15).
///
/// The temporary file is `<path>.seqnn-tmp-<pid>-<random>` in the destination folder (rename is atomic
/// only within a file system), created exclusively, held under an exclusive flock(2) until renamed,
/// fsync'ed before the rename, and the folder is fsync'ed after it so the rename itself is durable.
enum DurableFile {
    static let marker = ".seqnn-tmp-"

    /// Writes `bytes` to a temporary file beside `path` and renames it over `path`. On failure the
    /// temporary file is removed and `path` is untouched; the error is `.io` with the operating system's reason.
    static func replace(_ path: String, with bytes: UnsafeRawBufferPointer) throws {
        guard !path.isEmpty else { throw SeqNNError(.invalidArgument, "save: the path is empty") }
        let folder = folderOf(path)
        removeStaleTemporaries(in: folder)
        let tmp = temporaryPath(for: path)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o666)
        guard fd >= 0 else {
            throw SeqNNError(.io, "save: cannot create a file in folder '\(folder)' for '\(path)': \(reason())")
        }
        // Held until the rename: a later save's cleanup sees the lock and leaves this file alone, even from
        // another PID namespace where our pid means nothing.
        _ = flock(fd, LOCK_EX | LOCK_NB)
        var renamed = false
        defer {
            if !renamed { unlink(tmp) }
            close(fd)
        }
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw SeqNNError(.io, "save: cannot write '\(path)' (\(bytes.count) bytes; \(done) written): \(reason()); the earlier file, if any, is untouched")
            }
            done += n
        }
        guard fsync(fd) == 0 else { throw SeqNNError(.io, "save: cannot sync '\(path)' to disk: \(reason()); the earlier file, if any, is untouched") }
        guard rename(tmp, path) == 0 else {
            throw SeqNNError(.io, "save: cannot move the new file into place at '\(path)': \(reason()); the earlier file, if any, is untouched")
        }
        renamed = true
        syncFolder(folder)
    }

    static func replace(_ path: String, with bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try replace(path, with: $0) }
    }

    static func reason() -> String { String(cString: strerror(errno)) }

    static func folderOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func temporaryPath(for path: String) -> String {
        var rng = SystemRandomNumberGenerator()
        return "\(path)\(marker)\(getpid())-\(String(rng.next() as UInt64, radix: 36))"
    }

    /// The rename is in the folder's entries: sync them, or a power cut can bring the old name back.
    /// Best effort: some file systems refuse fsync on a directory, and the new file is in place already.
    static func syncFolder(_ folder: String) {
        let dfd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { return }
        _ = fsync(dfd)
        close(dfd)
    }

    /// Removes `*.seqnn-tmp-<pid>-*` files in `folder` that a killed save left behind. A file goes only when
    /// all of these hold: its pid is not ours and no such process exists (ESRCH: a live process, even another
    /// user's, keeps its file; a reused pid only delays the cleanup), it is a regular file (not a symlink)
    /// owned by us, and we can take its exclusive lock without waiting (a save in progress holds it, also one
    /// in another PID namespace sharing the folder). Errors are ignored: cleanup never fails a save.
    /// Returns the number of files removed.
    @discardableResult
    static func removeStaleTemporaries(in folder: String) -> Int {
        guard let d = opendir(folder) else { return 0 }
        defer { closedir(d) }
        let dfd = dirfd(d)
        let me = getpid(), uid = geteuid()
        var removed = 0
        while let e = readdir(d) {
            // Up to the NUL only (the bytes after it are uninitialized: no copy of the whole array).
            let name = withUnsafePointer(to: &e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: e.pointee.d_name)) { String(cString: $0) }
            }
            guard let pid = stalePid(in: name), pid != me else { continue }
            guard kill(pid, 0) != 0, errno == ESRCH else { continue }
            let fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var st = stat(), now = stat()
            guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == uid,
                  flock(fd, LOCK_EX | LOCK_NB) == 0,
                  fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0, now.st_ino == st.st_ino, now.st_dev == st.st_dev
            else { continue }
            if unlinkat(dfd, name, 0) == 0 { removed += 1 }
        }
        return removed
    }

    /// The pid in a temporary file's name (`<anything>.seqnn-tmp-<pid>-<rest>`), nil for other names.
    static func stalePid(in name: String) -> pid_t? {
        let bytes = Array(name.utf8), m = Array(marker.utf8)
        guard bytes.count > m.count,
              let start = (0...(bytes.count - m.count)).reversed().first(where: { bytes[$0..<($0 + m.count)].elementsEqual(m) })
        else { return nil }
        let tail = String(decoding: bytes[(start + m.count)...], as: UTF8.self)
        guard let dash = tail.firstIndex(of: "-"), let pid = pid_t(tail[..<dash]), pid > 0 else { return nil }
        return pid
    }
}
