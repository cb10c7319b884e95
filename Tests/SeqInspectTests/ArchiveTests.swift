import XCTest
@testable import seqinspect
@testable import SeqNNFile
import SeqNN

#if canImport(Glibc)
import Glibc
#endif

/// Every view on Keras 3's own formats (format §13): real Keras 3 `.keras` archives and `.weights.h5` files
/// (Tests/SeqNNFileTests/Fixtures/keras3_archive), and SeqNN's, compared across formats with `diff`.
final class ArchiveTests: XCTestCase {
    static let dir = TestSupport.fileFixtures + "/keras3_archive"

    func files(_ suffix: String) -> [String] {
        guard let d = opendir(Self.dir) else { return [] }
        defer { closedir(d) }
        var out = [String]()
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(suffix) { out.append(Self.dir + "/" + name) }
        }
        return out.sorted()
    }

    func testEveryViewReadsKerasArchives() throws {
        let archives = files(".keras")
        XCTAssertGreaterThanOrEqual(archives.count, 12)
        for f in archives {
            let text = TestSupport.run([f])
            XCTAssertEqual(text.code, 0, "\(f): \(text.stderr)")
            XCTAssertTrue(text.stdout.contains("Keras 3 .keras archive"), text.stdout)
            XCTAssertTrue(text.stdout.contains("SeqNN can run every layer"), "\(f): \(text.stdout)")
            let verify = TestSupport.run([f, "--verify"])
            XCTAssertEqual(verify.code, 0, "\(f): \(verify.stdout) \(verify.stderr)")
            let json = try JSON.parse(TestSupport.run([f, "--json", "--weights"]).stdout)
            XCTAssertEqual(json["model"]?["class_name"]?.string, "Sequential", f)
            XCTAssertFalse(json["weights"]?.array?.isEmpty ?? true, f)
            XCTAssertTrue(TestSupport.run([f, "--dot"]).stdout.contains("digraph \""), f)
        }
    }

    func testWeightsFilesListTheirTensorsAndVerify() {
        let weightFiles = files(".weights.h5")
        XCTAssertGreaterThanOrEqual(weightFiles.count, 10)
        for f in weightFiles {
            let text = TestSupport.run([f])
            XCTAssertEqual(text.code, 0, "\(f): \(text.stderr)")
            XCTAssertTrue(text.stdout.contains("weights file (.weights.h5)") && text.stdout.contains("stores no architecture"), text.stdout)
            XCTAssertTrue(TestSupport.run([f, "--weights"]).stdout.contains("/layers/"), f)
            XCTAssertEqual(TestSupport.run([f, "--verify"]).code, 0, f)
        }
    }

    /// The same model as a Keras 3 `.keras` archive and as SeqNN's `.h5`: diff finds no difference (the optimizer
    /// configs are compared as SeqNN reads them, not as each format spells them).
    func testDiffAcrossFormatsFindsNoDifference() throws {
        for f in files(".keras") {
            let h5 = "/tmp/seqinspect-test-\(getpid())-cross.h5"
            defer { unlink(h5) }
            try ModelWriter.save(try ModelReader.load(f), to: h5, seqnnVersion: "test")
            let d = TestSupport.run(["diff", f, h5])
            XCTAssertEqual(d.code, 0, "\(f): \(d.stdout)")
            XCTAssertTrue(d.stdout.contains("Result: no differences"), d.stdout)
        }
    }
}
