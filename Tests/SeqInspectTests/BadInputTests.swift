import XCTest
@testable import seqinspect
import SeqNN

#if canImport(Glibc)
import Glibc
#endif

/// Bad files and bad command lines: the documented exit status, a message on stderr, never a crash.
final class BadInputTests: XCTestCase {
    func testBadFixturesGiveTheDocumentedExitStatus() throws {
        let files = TestSupport.h5Files(TestSupport.fixtures + "/bad")
        XCTAssertGreaterThanOrEqual(files.count, 9)
        for file in files {
            let side = try JSON.parse(TestSupport.read(String(file.dropLast(3)) + ".json") ?? "")
            for (mode, args) in [("default", [String]()), ("weights", ["--weights"]), ("verify", ["--verify"])] {
                guard let want = side["expect_exit"]?[mode]?.int else { continue }
                let o = TestSupport.run([file] + args)
                XCTAssertEqual(Int(o.code), want, "\(file) \(mode): \(o.stderr)")
                if o.code != 0 { XCTAssertTrue(o.stderr.hasPrefix("seqinspect: "), "\(file) \(mode): no message") }
                if o.code == 2 { XCTAssertEqual(o.stdout, "", "\(file): output on an unreadable file") }
            }
        }
    }

    /// The file-format project's bad files: none may pass --verify, each failure says why.
    func testFileFormatBadFixtures() {
        for file in TestSupport.h5Files(TestSupport.fileFixtures + "/bad") {
            for args in [[String](), ["--weights"], ["--json"], ["--dot"], ["--verify"]] {
                let o = TestSupport.run([file] + args)
                XCTAssertTrue((0...2).contains(o.code), file)
                if o.code != 0 { XCTAssertFalse(o.stderr.isEmpty, "\(file) \(args)") }
                if args == ["--verify"] { XCTAssertNotEqual(o.code, 0, "\(file) passed --verify") }
            }
        }
    }

    func testMissingFilesAndFolders() {
        for path in ["/nonexistent/model.h5", "/tmp", ""] {
            let o = TestSupport.run([path])
            XCTAssertEqual(o.code, 2, path)
            XCTAssertTrue(o.stderr.hasPrefix("seqinspect: "), o.stderr)
            XCTAssertEqual(o.stdout, "")
        }
        let d = TestSupport.run(["diff", TestSupport.fixtures + "/keras3/mlp.h5", "/nonexistent.h5"])
        XCTAssertEqual(d.code, 2)
        XCTAssertTrue(d.stderr.contains("/nonexistent.h5"), d.stderr)
    }

    func testUsageErrorsExit2() {
        let f = TestSupport.fixtures + "/keras3/mlp.h5"
        let cases: [[String]] = [
            [], ["--bogus"], [f, "--bogus"], [f, "--dot", "--json"], [f, "--dot", "--verify"], [f, "--full"],
            [f, "--precision", "-1"], [f, "--precision", "x"], ["diff"], ["diff", f], ["diff", f, f, f], ["diff", f, f, "--tolerance", "-1"],
        ]
        for args in cases {
            let o = TestSupport.run(args)
            XCTAssertEqual(o.code, 2, "\(args)")
            XCTAssertFalse(o.stderr.isEmpty, "\(args)")
            XCTAssertEqual(o.stdout, "", "\(args)")
        }
    }

    func testHelpForEveryCommand() {
        let overview = TestSupport.run(["--help"])
        XCTAssertEqual(overview.code, 0)
        XCTAssertTrue(overview.stdout.contains("seqinspect diff A B"), overview.stdout)
        XCTAssertTrue(overview.stdout.contains("Exit status: 0 fine; 1"), overview.stdout)
        for args in [["x.h5", "--help"], ["inspect", "--help"], ["help", "inspect"]] {
            let o = TestSupport.run(args)
            XCTAssertEqual(o.code, 0, "\(args)")
            for option in ["--json", "--weights", "--values", "--full", "--precision", "--dot", "--verify"] {
                XCTAssertTrue(o.stdout.contains(option), "\(args): \(option) missing from help")
            }
        }
        let diff = TestSupport.run(["diff", "--help"])
        XCTAssertEqual(diff.code, 0)
        XCTAssertTrue(diff.stdout.contains("--tolerance"), diff.stdout)
    }

    // MARK: The real executable

    func testExecutableExitCodesAndStreams() throws {
        guard TestSupport.executable != nil else { throw XCTSkip("the seqinspect executable is not next to the tests") }
        let f = TestSupport.fixtures
        let ok = TestSupport.spawn(["\(f)/keras3/mlp.h5"])!
        XCTAssertEqual(ok.code, 0)
        XCTAssertTrue(ok.stdout.contains("Total params: 387"), ok.stdout)
        XCTAssertEqual(ok.stderr, "")
        let text = TestSupport.spawn(["\(f)/bad/text.h5"])!
        XCTAssertEqual(text.code, 2)
        XCTAssertEqual(text.stdout, "")
        XCTAssertTrue(text.stderr.contains("not an HDF5 file"), text.stderr)
        XCTAssertEqual(TestSupport.spawn(["\(f)/bad/nan_weights.h5", "--verify"])!.code, 1)
        XCTAssertEqual(TestSupport.spawn(["--no-such-option"])!.code, 2)
        XCTAssertEqual(TestSupport.spawn(["--help"])!.code, 0)
    }

    /// Truncated and bit-flipped copies of real Keras files, each in its own process: the status is 0, 1
    /// or 2, a failure comes with a message, and no run dies from a signal or prints a crash trace.
    func testCorruptedFilesNeverCrash() throws {
        guard TestSupport.executable != nil else { throw XCTSkip("the seqinspect executable is not next to the tests") }
        var rng: UInt64 = 0x9E3779B97F4A7C15
        func next() -> UInt64 { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng }
        var counts = [Int32: Int]()
        for source in ["keras3/mlp_batch.h5", "keras2/cnn.h5"] {
            let original = TestSupport.readBytes(TestSupport.fixtures + "/" + source) ?? []
            XCTAssertGreaterThan(original.count, 1000)
            for trial in 0..<24 {
                var bytes = original
                if trial < 4 {
                    bytes = Array(bytes.prefix(bytes.count * (trial + 1) / 5))
                } else {
                    for _ in 0..<(1 + trial % 3) {
                        let i = Int(next() % UInt64(bytes.count))
                        bytes[i] ^= UInt8(1 << (next() % 8))
                    }
                }
                let path = "/tmp/seqinspect-corrupt-\(getpid())-\(trial).h5"
                defer { unlink(path) }
                TestSupport.write(path, bytes)
                for args in [[path], [path, "--verify"]] {
                    guard let r = TestSupport.spawn(args) else { return XCTFail("spawn failed") }
                    XCTAssertEqual(r.signal, 0, "\(source) trial \(trial) \(args): killed by signal \(r.signal)")
                    XCTAssertTrue((0...2).contains(r.code), "\(source) trial \(trial): exit \(r.code)")
                    if r.code != 0 { XCTAssertTrue(r.stderr.hasPrefix("seqinspect: "), "\(source) trial \(trial): \(r.stderr)") }
                    for trace in ["Stack dump", "Fatal error", "Current stack trace", "Crash", "Backtrace"] {
                        XCTAssertFalse(r.stderr.contains(trace), "\(source) trial \(trial): \(r.stderr)")
                    }
                    counts[r.code, default: 0] += 1
                }
            }
        }
        print("corrupted-file runs by exit status: \(counts.sorted { $0.key < $1.key })")
        XCTAssertGreaterThan(counts[0, default: 0], 0, "no corrupted copy was still readable: is the corruption too coarse?")
    }
}
