import XCTest
@testable import SeqNN
@testable import SeqNNFile

/// Files written by real Keras 2 (tf_keras 2.21) and Keras 3 (3.15.1) load here: same layers, parameter
/// totals, predictions, compile state, and, where Keras recorded it, the next training step after loading
/// (which needs the optimizer state Keras saved: SeqNN restores both generations' layouts).
final class KerasFileTests: XCTestCase {
    func testEveryKerasFileLoadsAndPredictsLikeKeras() throws {
        var checked = 0
        for gen in ["keras2", "keras3"] {
            for sidecar in Fixtures.files(in: gen, suffix: ".json") where sidecar != "manifest.json" {
                let meta = try Fixtures.json("\(gen)/\(sidecar)")
                let file = "\(gen)/\(meta["file"]?.string ?? sidecar.replacingOccurrences(of: ".json", with: ".h5"))"
                let m: Sequential
                do { m = try ModelReader.load(Fixtures.path(file)) } catch {
                    XCTFail("\(file): \(error)")
                    continue
                }
                if let names = meta["layer_names"]?.array?.compactMap(\.string) {
                    XCTAssertEqual(m.layers.map(\.name), names, file)
                }
                XCTAssertEqual(m.parameterCount, meta["total_params"]?.int, "\(file) total params")
                XCTAssertEqual(m.trainableParameterCount, meta["trainable_params"]?.int, "\(file) trainable params")
                if let x = Fixtures.array(meta["x"]), let y = Fixtures.array(meta["y"]) {
                    let p = try m.predict(x.values)
                    XCTAssertTrue(Fixtures.close(p, y.values), "\(file): predict differs from Keras by \(Fixtures.maxDiff(p, y.values))")
                }
                if let compiled = meta["compiled"]?.bool, meta["include_optimizer"]?.bool != false {
                    XCTAssertEqual(m.isCompiled, compiled, "\(file) compiled")
                }
                if let iterations = meta["iterations"]?.int, m.isCompiled, meta["include_optimizer"]?.bool != false {
                    XCTAssertEqual(m.optimizer?.iterations, iterations, "\(file) optimizer iterations")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 30, "fixture files found")
    }

    /// The next train_on_batch after loading equals Keras's uninterrupted next step: tf_keras's own resume
    /// (resume_step) and, for Keras 3 files, the in-memory model's next step (continue_step), which Keras 3
    /// cannot reproduce after loading but SeqNN can, from the optimizer state the file holds.
    func testTrainingResumesWithTheSavedOptimizerState() throws {
        var checked = 0
        for gen in ["keras2", "keras3"] {
            for sidecar in Fixtures.files(in: gen, suffix: ".json") where sidecar != "manifest.json" {
                let meta = try Fixtures.json("\(gen)/\(sidecar)")
                guard let step = meta["resume_step"] ?? meta["continue_step"],
                      let x = Fixtures.array(step["x"] ?? meta["resume_step"]?["x"]),
                      let y = Fixtures.array(step["y"] ?? meta["resume_step"]?["y"]),
                      let loss = step["loss"]?.number else { continue }
                // tf_keras's Nadam advances its momentum product once per weight (KERAS_NOTES 3.8), and Dropout
                // draws from each framework's own generator: neither step is comparable.
                if gen == "keras2" && sidecar.contains("nadam") { continue }
                if meta["layer_classes"]?.array?.contains(where: { $0.string == "Dropout" }) == true { continue }
                let file = "\(gen)/\(meta["file"]?.string ?? "")"
                let m = try ModelReader.load(Fixtures.path(file))
                guard m.isCompiled else { continue }
                if (try? m.metricNames())?.contains("mean_pred") == true {
                    // The tutorial's custom metric, registered again as Keras needs custom_objects.
                    try m.addMetric(CustomMetric(name: "mean_pred") { _, p, rows, cols, _ in
                        (0..<(rows * cols)).reduce(0.0) { $0 + Double(p[$1]) } / Double(rows * cols)
                    })
                }
                let r = try m.trainOnBatch(x: x.values, y: y.values)
                XCTAssertEqual(Float(r[0]), Float(loss), accuracy: 1e-5 + 1e-4 * Float(abs(loss)), "\(file): loss of the next step")
                let want = Fixtures.weights(step["weights"])
                if !want.isEmpty {
                    let got = try Fixtures.weights(m)
                    XCTAssertEqual(got.count, want.count, file)
                    for (i, (g, w)) in zip(got, want).enumerated() {
                        XCTAssertTrue(Fixtures.close(g, w), "\(file): weight \(i) after the next step differs by \(Fixtures.maxDiff(g, w))")
                    }
                }
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 10, "resumable fixtures found")
    }

    /// Hand-made files in the corners of the format (format §3-4): fixed-length strings, arbitrary group and
    /// dataset names, weightless layers omitted, empty float64 weight_names, a Keras 2.2 bare layer list,
    /// float64 weights, the newest HDF5 layout.
    func testEdgeFilesLoadAsTheFormatRequires() throws {
        var checked = 0
        for sidecar in Fixtures.files(in: "edge", suffix: ".json") where sidecar != "manifest.json" {
            let meta = try Fixtures.json("edge/\(sidecar)")
            guard let name = meta["file"]?.string, let expect = meta["expect"] else {
                XCTFail("edge/\(sidecar) is not a fixture sidecar")
                continue
            }
            let file = "edge/\(name)"
            if expect["loads"]?.bool == false {
                XCTAssertThrowsError(try ModelReader.load(Fixtures.path(file)), file)
                checked += 1
                continue
            }
            let m: Sequential
            do { m = try ModelReader.load(Fixtures.path(file)) } catch {
                XCTFail("\(file): \(error)")
                continue
            }
            if let names = expect["layer_names"]?.array?.compactMap(\.string) { XCTAssertEqual(m.layers.map(\.name), names, file) }
            let want = Fixtures.weights(expect["weights"])
            if !want.isEmpty { XCTAssertEqual(try Fixtures.weights(m), want, file) }
            if let x = Fixtures.array(expect["x"]), let y = Fixtures.array(expect["y"]) {
                let p = try m.predict(x.values)
                XCTAssertTrue(Fixtures.close(p, y.values), "\(file): predict differs by \(Fixtures.maxDiff(p, y.values))")
            }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 10, "edge fixtures found")
    }

    /// Broken files give an error of the right kind that says what is wrong, never a crash.
    func testBadFilesAreRefusedWithAClearError() throws {
        let expected = try Fixtures.json("bad/expected.json")["files"]!.array!
        XCTAssertGreaterThanOrEqual(expected.count, 10)
        for item in expected {
            let file = item["file"]!.string!
            do {
                _ = try ModelReader.load(Fixtures.path("bad/\(file)"))
                XCTFail("\(file) loaded; expected an error")
            } catch let e as SeqNNError {
                if let kind = item["expected_error_kind"]?.string {
                    XCTAssertEqual("\(e.kind)", kind, "\(file): \(e.message)")
                }
                for must in item["message_must_mention"]?.array?.compactMap(\.string) ?? [] {
                    let options = must.split(separator: "|").map(String.init)
                    XCTAssertTrue(options.contains { e.message.contains($0) }, "\(file): message lacks '\(must)': \(e.message)")
                }
            }
        }
    }
}
