import XCTest
@testable import seqinspect
import SeqNN

/// Every committed fixture through every view, compared exactly with Snapshots/ (rewritten only with
/// SEQINSPECT_UPDATE_SNAPSHOTS=1). Paths are made relative to Fixtures/ and file sizes replaced.
final class SnapshotTests: XCTestCase {
    static let modes: [(String, [String])] = [
        ("summary", []), ("json", ["--json"]), ("weights", ["--weights"]), ("values", ["--weights", "--values"]),
        ("dot", ["--dot"]), ("verify", ["--verify"]),
    ]

    func snapshot(group: String, modes: [(String, [String])]) -> Int {
        var n = 0
        for file in TestSupport.h5Files(TestSupport.fixtures + "/" + group) {
            let name = String(file.split(separator: "/").last!.dropLast(3))
            for (mode, args) in modes {
                let out = TestSupport.run([file] + args)
                TestSupport.assertSnapshot(TestSupport.transcript(out, files: [file]), "\(group)/\(name).\(mode).txt")
                n += 1
            }
        }
        return n
    }

    func testKeras2Fixtures() { XCTAssertGreaterThanOrEqual(snapshot(group: "keras2", modes: Self.modes), 9 * 6) }
    func testKeras3Fixtures() { XCTAssertGreaterThanOrEqual(snapshot(group: "keras3", modes: Self.modes), 9 * 6) }

    func testSeqNNFixtures() throws {
        if TestSupport.updating { try SeqNNModels.writeFixtures() }
        XCTAssertGreaterThanOrEqual(snapshot(group: "seqnn", modes: Self.modes), 2 * 6)
    }

    func testBadFixtures() {
        XCTAssertGreaterThanOrEqual(snapshot(group: "bad", modes: [("summary", []), ("weights", ["--weights"]), ("verify", ["--verify"])]), 9 * 3)
    }

    func testDiff() {
        let f = TestSupport.fixtures
        let cases: [(String, [String])] = [
            ("keras2_vs_keras3_mlp", ["\(f)/keras2/mlp.h5", "\(f)/keras3/mlp.h5"]),
            ("mlp_vs_cnn", ["\(f)/keras3/mlp.h5", "\(f)/keras3/cnn.h5"]),
            ("mlp_vs_transposed", ["\(f)/keras3/mlp.h5", "\(f)/bad/transposed.h5"]),
            ("seqnn_self", ["\(f)/seqnn/mlp_history.h5", "\(f)/seqnn/mlp_history.h5"]),
        ]
        for (name, files) in cases {
            let text = TestSupport.run(["diff"] + files)
            TestSupport.assertSnapshot(TestSupport.transcript(text, files: files), "diff/\(name).txt")
            let json = TestSupport.run(["diff", "--json"] + files)
            TestSupport.assertSnapshot(TestSupport.transcript(json, files: files), "diff/\(name).json.txt")
        }
    }

    /// The README's first example is a real run. Compared with words and numbers only (no rules, no
    /// `*` marks, no "SeqNN can/cannot run" block), so it stays true while SeqNN learns new layers.
    func testReadmeExampleMatchesARealRun() throws {
        guard let readme = TestSupport.read(TestSupport.testsDir + "/../../tools/seqinspect/README.md") else {
            return XCTFail("tools/seqinspect/README.md is missing")
        }
        let file = TestSupport.fixtures + "/keras3/lstm.h5"
        let out = TestSupport.run([file]).stdout.replacingAll(TestSupport.fixtures + "/", with: "Tests/SeqInspectTests/Fixtures/")
        guard let start = readme.firstRange(of: "$ seqinspect Tests/SeqInspectTests/Fixtures/keras3/lstm.h5\n"),
              let end = readme[start.upperBound...].firstRange(of: "```") else {
            return XCTFail("the README has no example block for keras3/lstm.h5")
        }
        XCTAssertEqual(Self.essence(String(readme[start.upperBound..<end.lowerBound])), Self.essence(out),
                       "the README's example is not what seqinspect prints for keras3/lstm.h5 now")
    }

    static func essence(_ text: String) -> [String] {
        var lines = [String](), skipping = false
        for raw in text.split(separator: "\n") {
            let line = String(raw)
            if line.hasPrefix("* SeqNN cannot run") || line.hasPrefix("SeqNN can run") { skipping = true; continue }
            if skipping, line.hasPrefix("    ") { continue }
            skipping = false
            if line.allSatisfy({ $0 == "_" || $0 == "=" }) { continue }
            lines.append(line.split(separator: " ").map { $0.hasSuffix(")*") ? String($0.dropLast()) : String($0) }.joined(separator: " "))
        }
        return lines
    }
}
