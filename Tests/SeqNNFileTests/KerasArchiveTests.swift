#if canImport(Glibc)
import Glibc
#endif
import XCTest
@testable import SeqNN
@testable import SeqNNFile

/// Keras 3's own formats (format §13) against real Keras 3 files (tools/fixtures/keras_archives/make_keras_files.py):
/// every `.keras` archive loads, predicts as Keras did and, when compiled, takes the next training step exactly
/// as the Keras model did in memory (optimizer state and schedules included); every `.weights.h5` loads into a
/// model built from the archive; and SeqNN's own archives and weights files round-trip.
final class KerasArchiveTests: XCTestCase {
    static let dir = "keras3_archive"

    func sidecars() throws -> [JSON] {
        try Fixtures.files(in: Self.dir, suffix: ".json").map { try Fixtures.json("\(Self.dir)/\($0)") }
    }

    func testEveryKerasArchiveLoadsPredictsAndResumesLikeKeras() throws {
        let metas = try sidecars()
        XCTAssertGreaterThanOrEqual(metas.count, 12)
        var resumed = 0
        for meta in metas {
            let file = "\(Self.dir)/\(meta["file"]!.string!)"
            let m = try ModelReader.load(Fixtures.path(file))
            XCTAssertEqual(m.layers.map(\.kerasClassName), meta["layer_classes"]!.array!.map { $0.string! }, file)
            let x = Fixtures.array(meta["x"])!.values, want = Fixtures.array(meta["predict"])!.values
            let got = try m.predict(x)
            XCTAssertTrue(Fixtures.close(got, want), "\(file): predictions differ by \(Fixtures.maxDiff(got, want))")
            guard let step = meta["next_step"] else {
                XCTAssertFalse(m.isCompiled, "\(file) was saved uncompiled")
                continue
            }
            XCTAssertEqual(m.optimizer?.iterations, meta["iterations"]?.int, "\(file): iterations")
            let r = try m.trainOnBatch(x: Fixtures.array(step["x"])!.values, y: Fixtures.array(step["y"])!.values)
            let loss = Float(step["loss"]!.number!)
            XCTAssertEqual(Float(r[0]), loss, accuracy: 1e-5 + 1e-4 * abs(loss), "\(file): loss of the next step")
            for (i, (g, w)) in zip(try Fixtures.weights(m), Fixtures.weights(step["weights"])).enumerated() {
                XCTAssertTrue(Fixtures.close(g, w), "\(file): weight \(i) after the next step differs by \(Fixtures.maxDiff(g, w))")
            }
            resumed += 1
        }
        XCTAssertGreaterThanOrEqual(resumed, 10)
    }

    func testKerasWeightsFilesLoadIntoTheModel() throws {
        var checked = 0
        for meta in try sidecars() {
            guard let weightsFile = meta["weights_file"]?.string else { continue }
            let archive = try ModelReader.load(Fixtures.path("\(Self.dir)/\(meta["file"]!.string!)"))
            let fresh = try ModelFile(path: Fixtures.path("\(Self.dir)/\(meta["file"]!.string!)")).loadArchitectureAndWeights(seed: 99)
            for li in fresh.layers.indices {   // scramble, so the weights file must restore every value
                for wi in fresh.layers[li].parameters.indices where !fresh.layers[li].parameters[wi].storedAsInteger {
                    let n = fresh.layers[li].parameters[wi].value.count
                    try fresh.setWeight(layer: li, index: wi, values: [Float](repeating: 0.5, count: n))
                }
            }
            XCTAssertEqual(try ModelFile(path: Fixtures.path("\(Self.dir)/\(weightsFile)")).layout, .weights)
            try ModelReader.loadWeights(Fixtures.path("\(Self.dir)/\(weightsFile)"), into: fresh)
            XCTAssertEqual(try Fixtures.weights(fresh), try Fixtures.weights(archive), weightsFile)
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 10)
    }

    /// SeqNN writes what it reads: each Keras archive saved again by SeqNN loads back with the same weights,
    /// compile state and optimizer state (its next step equals the original's next step).
    func testSeqNNArchivesRoundTrip() throws {
        var template = Array("/tmp/seqnn-archive-XXXXXX".utf8CString)
        let tmp = String(cString: mkdtemp(&template)!)
        defer { _ = system("rm -rf '\(tmp)'") }
        for meta in try sidecars() {
            let name = meta["file"]!.string!
            let original = try ModelReader.load(Fixtures.path("\(Self.dir)/\(name)"))
            let path = "\(tmp)/\(name)"
            try ModelWriter.saveAny(original, to: path, seqnnVersion: "test")
            XCTAssertEqual(try ModelFile(path: path).layout, .archive)
            let copy = try ModelReader.load(path)
            XCTAssertEqual(try Fixtures.weights(copy), try Fixtures.weights(original), name)
            XCTAssertEqual(copy.isCompiled, original.isCompiled, name)
            guard let step = meta["next_step"] else { continue }
            let x = Fixtures.array(step["x"])!.values, y = Fixtures.array(step["y"])!.values
            XCTAssertEqual(try copy.trainOnBatch(x: x, y: y), try original.trainOnBatch(x: x, y: y), name)
            XCTAssertEqual(try Fixtures.weights(copy), try Fixtures.weights(original), "\(name) after a step")
            let weightsPath = "\(tmp)/\(name).weights.h5"
            try ModelWriter.saveAny(copy, to: weightsPath, seqnnVersion: "test")
            let fresh = try ModelFile(path: path).loadArchitectureAndWeights(seed: 5)
            try ModelReader.loadWeights(weightsPath, into: fresh)
            XCTAssertEqual(try Fixtures.weights(fresh), try Fixtures.weights(copy), "\(name): weights file")
        }
    }
}
