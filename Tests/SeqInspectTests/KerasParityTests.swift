import XCTest
@testable import seqinspect
import SeqNN

/// Parameter totals (and, where the sidecar has them, per-layer output shapes and counts) equal to what
/// real Keras reported for the file, for every Keras fixture: ours (tools/fixtures/seqinspect/make_fixtures.py)
/// and the file-format fixtures (tools/fixtures/h5/make_files.py) when they are present.
final class KerasParityTests: XCTestCase {
    func sidecar(_ h5: String) -> JSON? {
        TestSupport.read(String(h5.dropLast(3)) + ".json").flatMap { try? JSON.parse($0) }
    }

    func checkFolder(_ dir: String) throws -> Int {
        var checked = 0
        for file in TestSupport.h5Files(dir) {
            guard let side = sidecar(file), let total = side["total_params"]?.int else { continue }
            let out = TestSupport.run([file, "--json"])
            XCTAssertEqual(out.code, 0, "\(file): \(out.stderr)")
            let doc = try TestSupport.json(out.stdout)
            XCTAssertEqual(doc["total_params"]?.int, total, file)
            XCTAssertEqual(doc["trainable_params"]?.int, side["trainable_params"]?.int, file)
            XCTAssertEqual(doc["non_trainable_params"]?.int, side["non_trainable_params"]?.int, file)
            let layers = doc["model"]?["layers"]?.array ?? []
            if let keras = side["layers"]?.array {
                XCTAssertEqual(layers.count, keras.count, file)
                for (a, b) in zip(layers, keras) {
                    XCTAssertEqual(a["name"], b["name"], file)
                    XCTAssertEqual(a["class_name"], b["class_name"], file)
                    XCTAssertEqual(a["output_shape"], b["output_shape"], "\(file): \(b["name"]?.string ?? "?")")
                    XCTAssertEqual(a["params"], b["params"], "\(file): \(b["name"]?.string ?? "?")")
                }
            }
            if let names = side["layer_names"]?.array { XCTAssertEqual(layers.map { $0["name"] ?? .null }, names, file) }
            if let classes = side["layer_classes"]?.array { XCTAssertEqual(layers.map { $0["class_name"] ?? .null }, classes, file) }
            XCTAssertEqual(doc["problems"]?.array?.filter { $0["broken"] == true }.count, 0, file)
            checked += 1
        }
        return checked
    }

    func testOwnKerasFixtures() throws {
        XCTAssertGreaterThanOrEqual(try checkFolder(TestSupport.fixtures + "/keras2"), 9)
        XCTAssertGreaterThanOrEqual(try checkFolder(TestSupport.fixtures + "/keras3"), 9)
    }

    func testFileFormatFixtures() throws {
        var n = 0
        for sub in ["keras2", "keras3", "portable"] { n += try checkFolder(TestSupport.fileFixtures + "/" + sub) }
        if n == 0 { print("note: no fixtures under Tests/SeqNNFileTests/Fixtures yet") }
    }

    /// The edge-case files (odd string types, renamed groups, float64 weights, ...) inspect cleanly and
    /// count the parameters their sidecar lists.
    func testEdgeFixtures() throws {
        for file in TestSupport.h5Files(TestSupport.fileFixtures + "/edge") {
            let out = TestSupport.run([file, "--json"])
            guard let side = sidecar(file), side["expect"]?["loads"] == true else { continue }
            XCTAssertEqual(out.code, 0, "\(file): \(out.stderr)")
            let doc = try TestSupport.json(out.stdout)
            if let weights = side["expect"]?["weights"]?.array {
                let total = weights.flatMap { $0.array ?? [] }.reduce(0) { $0 + ($1["shape"]?.intList ?? []).reduce(1) { $0 * ($1 ?? 0) } }
                XCTAssertEqual(doc["total_params"]?.int, total, file)
            }
            if let names = side["expect"]?["layer_names"]?.array {
                XCTAssertEqual(doc["model"]?["layers"]?.array?.map { $0["name"] ?? .null }, names, file)
            }
            XCTAssertEqual(TestSupport.run([file, "--verify"]).code, 0, file)
        }
    }

    /// Keras-written files whose layers SeqNN runs verify (their test batch holds Keras's own predictions).
    func testVerifyAgainstKerasPredictions() {
        for gen in ["keras2", "keras3"] {
            let o = TestSupport.run([TestSupport.fixtures + "/\(gen)/mlp_batch.h5", "--verify"])
            XCTAssertEqual(o.code, 0, o.stdout + o.stderr)
            XCTAssertTrue(o.stdout.contains("[ok] test batch reproduces the stored outputs: 5 samples"), o.stdout)
        }
    }

    /// Layers SeqNN cannot run are listed, and --verify says so instead of passing.
    func testUnsupportedLayersAreNamed() throws {
        let file = TestSupport.fixtures + "/bad/unknown_class.h5"
        let o = TestSupport.run([file, "--json"])
        XCTAssertEqual(o.code, 0, o.stderr)
        let doc = try TestSupport.json(o.stdout)
        XCTAssertEqual(doc["seqnn_can_run"], false)
        XCTAssertEqual(doc["unsupported_layers"]?.array?.compactMap { $0["class_name"]?.string }, ["FancyCustomLayer"])
        XCTAssertEqual(doc["total_params"], 387)
        let text = TestSupport.run([file])
        XCTAssertTrue(text.stdout.contains(" dropout (FancyCustomLayer)*"), text.stdout)
        XCTAssertTrue(text.stdout.contains("* SeqNN cannot run these layers yet (inspection only):\n    dropout (FancyCustomLayer): unknown layer class 'FancyCustomLayer'\n"), text.stdout)
        let v = TestSupport.run([file, "--verify"])
        XCTAssertEqual(v.code, 1)
        XCTAssertTrue(v.stdout.contains("[FAIL] SeqNN loads the model: SeqNN cannot run these layers yet: dropout (FancyCustomLayer)"), v.stdout)
    }
}
