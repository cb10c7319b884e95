import XCTest
@testable import seqinspect
import SeqNN

#if canImport(Glibc)
import Glibc
#endif

/// Paths, the in-process runner, output sanitizing and snapshot comparison shared by the tests.
enum TestSupport {
    static let testsDir: String = {
        var p = #filePath
        while let last = p.last, last != "/" { p.removeLast() }
        return String(p.dropLast())
    }()
    static let fixtures = testsDir + "/Fixtures"
    static let snapshots = testsDir + "/Snapshots"
    /// The other fixture set (written by tools/fixtures/h5/make_files.py), used when present.
    static let fileFixtures = testsDir + "/../SeqNNFileTests/Fixtures"
    static var updating: Bool { getenv("SEQINSPECT_UPDATE_SNAPSHOTS").map { String(cString: $0) == "1" } ?? false }

    /// The `.h5` files in a folder, sorted; empty when the folder does not exist.
    static func h5Files(_ dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var out = [String]()
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".h5") { out.append(dir + "/" + name) }
        }
        return out.sorted()
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func read(_ path: String) -> String? { readBytes(path).map { String(decoding: $0, as: UTF8.self) } }

    static func readBytes(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            bytes += buf[0..<n]
        }
        return bytes
    }

    static func write(_ path: String, _ bytes: [UInt8]) {
        mkdirs(String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]))
        guard let f = fopen(path, "wb") else { XCTFail("cannot write \(path)"); return }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
    }

    static func mkdirs(_ dir: String) {
        var p = ""
        for part in dir.split(separator: "/", omittingEmptySubsequences: false) {
            p += (p.isEmpty && part.isEmpty) ? "/" : (p.hasSuffix("/") || p.isEmpty ? "" : "/") + part
            if !p.isEmpty { mkdir(p, 0o755) }
        }
    }

    static func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : -1
    }

    static func json(_ text: String) throws -> JSON { try JSON.parse(text) }

    /// Runs the CLI in-process.
    static func run(_ args: [String]) -> CLI.Output { CLI.run(args) }

    /// Output made independent of where the checkout lives and of file sizes: paths relative to the
    /// fixture folder, sizes replaced, and (for --verify) the BLAS-dependent max abs difference.
    static func sanitize(_ text: String, files: [String]) -> String {
        var t = text
        for f in files {
            let size = fileSize(f)
            if size >= 0 {
                t = t.replacingAll(Format.fileSize(size), with: "<size> bytes")
                t = t.replacingAll("\"size_bytes\": \(size)", with: "\"size_bytes\": \"<size>\"")
            }
        }
        t = t.replacingAll(fixtures + "/", with: "")
        t = t.replacingAll(fileFixtures + "/", with: "")
        // "max abs diff 5.96e-08" depends on the BLAS kernels; keep whether it is tiny, not its digits.
        var out = ""
        for line in t.split(separator: "\n", omittingEmptySubsequences: false) {
            if let r = line.firstRange(of: "max abs diff "), line.contains("tolerance 1e-5") {
                let rest = line[r.upperBound...]
                let number = rest.prefix { !$0.isWhitespace }
                out += line[..<r.upperBound] + "<diff>" + rest.dropFirst(number.count) + "\n"
            } else if line.contains("\"max_abs_diff\": ") && !line.contains("null") && t.contains("\"verify\"") {
                out += line.prefix { $0 != ":" } + ": \"<diff>\"" + (line.hasSuffix(",") ? "," : "") + "\n"
            } else {
                out += line + "\n"
            }
        }
        return String(out.dropLast())
    }

    /// Compares `actual` with the stored snapshot; writes it instead when SEQINSPECT_UPDATE_SNAPSHOTS=1
    /// (or when the snapshot does not exist yet, failing so a new snapshot is noticed).
    static func assertSnapshot(_ actual: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        let path = snapshots + "/" + name
        if updating {
            write(path, Array(actual.utf8))
            return
        }
        guard let expected = read(path) else {
            write(path, Array(actual.utf8))
            XCTFail("snapshot \(name) did not exist; it was written now: check it and commit it", file: file, line: line)
            return
        }
        if expected != actual {
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let i = (0..<min(e.count, a.count)).first { e[$0] != a[$0] } ?? min(e.count, a.count)
            let want = i < e.count ? String(e[i]) : "<end>", got = i < a.count ? String(a[i]) : "<end>"
            XCTFail("snapshot \(name) differs at line \(i + 1):\n  expected: \(want)\n  actual:   \(got)\n(SEQINSPECT_UPDATE_SNAPSHOTS=1 rewrites snapshots)",
                    file: file, line: line)
        }
    }

    /// One run as a snapshot text: the exit status, stdout and stderr.
    static func transcript(_ o: CLI.Output, files: [String]) -> String {
        "exit: \(o.code)\n--- stdout\n" + sanitize(o.stdout, files: files) + "--- stderr\n" + sanitize(o.stderr, files: files)
    }

    // MARK: Subprocesses

    /// The built `seqinspect` executable next to the test bundle, when there is one.
    static let executable: String? = {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        var dir = String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // .../debug/seqnnPackageTests.xctest (the runner) -> .../debug/seqinspect
        while let last = dir.last, last != "/" { dir.removeLast() }
        let candidate = dir + "seqinspect"
        return access(candidate, X_OK) == 0 ? candidate : nil
    }()

    /// Runs the executable with stdout and stderr captured through temporary files.
    static func spawn(_ args: [String]) -> (code: Int32, signal: Int32, stdout: String, stderr: String)? {
        guard let exe = executable else { return nil }
        let base = "/tmp/seqinspect-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let outPath = base + ".out", errPath = base + ".err"
        defer { unlink(outPath); unlink(errPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([exe] + args).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, exe, &actions, nil, argv, environ) == 0 else { return nil }
        var status: Int32 = 0
        // Poll with a deadline so a hang (a corrupt file sending a library into a loop) fails the test.
        var waited = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { return nil }
            if waited > 60_000 { kill(pid, SIGKILL); waitpid(pid, &status, 0); XCTFail("seqinspect \(args) hung"); break }
            usleep(2_000)
            waited += 2
        }
        let signaled = (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
        let code = signaled ? -1 : (status >> 8) & 0xff
        return (code, signaled ? status & 0x7f : 0, read(outPath) ?? "", read(errPath) ?? "")
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = "", rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
