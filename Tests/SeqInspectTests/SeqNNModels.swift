import XCTest
@testable import seqinspect
import SeqNN
import SeqNNFile

#if canImport(Glibc)
import Glibc
#endif

/// SeqNN-written model files: built, trained and saved here. `Fixtures/seqnn/` holds copies committed
/// once (regenerated with SEQINSPECT_UPDATE_SNAPSHOTS=1), so the snapshots also cover files written by
/// an earlier SeqNN.
enum SeqNNModels {
    /// 64 samples of 6 features and a one-hot target of 3 classes that depends on the features.
    static func data() -> (x: [Float], y: [Float]) {
        var x = [Float](), y = [Float]()
        for i in 0..<64 {
            let row = (0..<6).map { j in Float(((i * 7 + j * 13) % 29) - 14) / 14 }
            x += row
            let c = row[0] + row[1] > 0.3 ? 0 : (row[2] - row[3] > 0 ? 1 : 2)
            y += (0..<3).map { $0 == c ? 1 : 0 }
        }
        return (x, y)
    }

    /// Dense-Dropout-Dense, Adam, 12 epochs with a validation split: a file with history and a test batch.
    static func mlp(epochs: Int = 12) throws -> Sequential {
        let m = Sequential(seed: 7)
        try m.add(LayerRegistry.make(className: "Dense", config: ["units": 8, "input_shape": [6], "activation": "relu"]))
        try m.add(LayerRegistry.make(className: "Dropout", config: ["rate": 0.1]))
        try m.add(LayerRegistry.make(className: "Dense", config: ["units": 3, "activation": "softmax"]))
        try m.compile(optimizer: "adam", loss: "categorical_crossentropy", metrics: ["accuracy"])
        if epochs > 0 { try fit(m, epochs: epochs, validation: 0.25) }
        return m
    }

    /// Reshape-Flatten-Dense with a frozen first Dense, SGD with momentum, Keras 2 optimizer layout too.
    static func frozen() throws -> Sequential {
        let m = Sequential(seed: 3)
        try m.add(LayerRegistry.make(className: "Reshape", config: ["target_shape": [2, 3], "input_shape": [6]]))
        try m.add(LayerRegistry.make(className: "Dense", config: ["units": 4, "activation": "tanh", "trainable": false]))
        try m.add(LayerRegistry.make(className: "Flatten", config: [:]))
        try m.add(LayerRegistry.make(className: "Dense", config: ["units": 3, "activation": "softmax", "use_bias": false]))
        try m.compile(optimizer: #"{"class_name": "SGD", "config": {"learning_rate": 0.05, "momentum": 0.9}}"#.json, loss: "categorical_crossentropy")
        try fit(m, epochs: 3, validation: 0)
        return m
    }

    static func fit(_ m: Sequential, epochs: Int, validation: Double) throws {
        let (x, y) = data()
        var o = FitOptions()
        o.epochs = epochs
        o.verbose = 0
        o.batchSize = 8
        o.validationSplit = validation
        _ = try m.fit(x: x, y: y, options: o)
    }

    static func save(_ m: Sequential, to path: String, testBatch: Bool, keras2Optimizer: Bool = false) throws {
        unlink(path)
        var o = ModelWriter.Options()
        if testBatch { o.testInputs = Array(data().x.prefix(4 * 6)) }
        o.keras2OptimizerWeights = keras2Optimizer
        try ModelWriter.save(m, to: path, options: o, seqnnVersion: "0.0.0-fixture")
    }

    static func tempPath(_ name: String) -> String { "/tmp/seqinspect-test-\(getpid())-\(name).h5" }

    /// Writes Fixtures/seqnn/*.h5 (only when asked: the committed files are the reference).
    static func writeFixtures() throws {
        TestSupport.mkdirs(TestSupport.fixtures + "/seqnn")
        try save(mlp(), to: TestSupport.fixtures + "/seqnn/mlp_history.h5", testBatch: true)
        try save(frozen(), to: TestSupport.fixtures + "/seqnn/frozen_sgd.h5", testBatch: false, keras2Optimizer: true)
    }
}

extension String {
    var json: JSON { (try? JSON.parse(self)) ?? .null }
}

/// Files SeqNN writes now: totals, history, verify and diff.
final class SeqNNWrittenFileTests: XCTestCase {
    func testTotalsEqualTheModelsOwnCounts() throws {
        for (name, model) in [("mlp", try SeqNNModels.mlp(epochs: 2)), ("frozen", try SeqNNModels.frozen())] {
            let path = SeqNNModels.tempPath("totals-\(name)")
            defer { unlink(path) }
            try SeqNNModels.save(model, to: path, testBatch: false)
            let r = try ModelReport.read(path)
            XCTAssertEqual(r.totalParams, model.parameterCount, name)
            XCTAssertEqual(r.trainableParams, model.trainableParameterCount, name)
            XCTAssertEqual(r.dialect, .seqnn)
            XCTAssertTrue(r.seqnnCanRun)
            XCTAssertEqual(r.layers.map(\.name), model.layers.map(\.name))
            XCTAssertEqual(r.layers.map { $0.outputShape?.map { $0! } }, model.layers.map(\.outputShape))
            XCTAssertTrue(r.problems.isEmpty, "\(r.problems.map(\.message))")
        }
    }

    func testDefaultViewShowsHistoryAndTrainingConfig() throws {
        let path = SeqNNModels.tempPath("history")
        defer { unlink(path) }
        try SeqNNModels.save(try SeqNNModels.mlp(), to: path, testBatch: true)
        let o = TestSupport.run([path])
        XCTAssertEqual(o.code, 0, o.stderr)
        for needle in ["Format:   SeqNN legacy HDF5", "Writer:   SeqNN 0.0.0-fixture", "Training history: 12 epochs (1-12)",
                       "  loss: ", "  val_loss: ", "  accuracy: ", "(epoch)", "Optimizer: Adam", "learning_rate", "beta_1",
                       "Loss: categorical_crossentropy", "Metrics: accuracy", "Optimizer state: stored, SeqNN layout",
                       "Test batch: stored", "SeqNN can run every layer"] {
            XCTAssertTrue(o.stdout.contains(needle), "missing '\(needle)' in:\n\(o.stdout)")
        }
        let doc = try TestSupport.json(TestSupport.run([path, "--json"]).stdout)
        XCTAssertEqual(doc["history"]?["epochs"]?.array?.count, 12)
        XCTAssertEqual(doc["history"]?["metrics"]?["val_accuracy"]?.array?.count, 12)
        XCTAssertEqual(doc["file"]?["dialect"], "seqnn")
        XCTAssertEqual(doc["optimizer_state"]?["layout"], "seqnn")
    }

    func testVerifyRunsTheStoredTestBatch() throws {
        let path = SeqNNModels.tempPath("verify")
        defer { unlink(path) }
        try SeqNNModels.save(try SeqNNModels.mlp(), to: path, testBatch: true)
        let o = TestSupport.run([path, "--verify"])
        XCTAssertEqual(o.code, 0, o.stdout + o.stderr)
        XCTAssertTrue(o.stdout.contains("[ok] test batch reproduces the stored outputs: 4 samples, max abs diff 0 "), o.stdout)
        XCTAssertTrue(o.stdout.contains("[ok] checksums: checksum ok ("), o.stdout)
        XCTAssertTrue(o.stdout.contains("Result: all 7 checks passed"), o.stdout)
        let doc = try TestSupport.json(TestSupport.run([path, "--verify", "--json"]).stdout)
        XCTAssertEqual(doc["verify"]?["passed"], true)
        XCTAssertEqual(doc["verify"]?["max_abs_diff"], 0)
    }

    func testVerifyWithoutTestBatchUsesADeterministicInput() throws {
        let path = SeqNNModels.tempPath("nobatch")
        defer { unlink(path) }
        try SeqNNModels.save(try SeqNNModels.frozen(), to: path, testBatch: false, keras2Optimizer: true)
        let o = TestSupport.run([path, "--verify"])
        XCTAssertEqual(o.code, 0, o.stdout + o.stderr)
        XCTAssertTrue(o.stdout.contains("forward pass on a deterministic input: 4 samples of shape (6,)"), o.stdout)
        XCTAssertEqual(Verify.deterministicInput(try ModelReport.read(path), samples: 2, shape: [3]).count, 6)
    }

    func testDiffOfAFileWithItselfAndWithMoreTraining() throws {
        let a = SeqNNModels.tempPath("diff-a"), b = SeqNNModels.tempPath("diff-b")
        defer { unlink(a); unlink(b) }
        let m = try SeqNNModels.mlp(epochs: 2)
        try SeqNNModels.save(m, to: a, testBatch: false)
        try SeqNNModels.fit(m, epochs: 1, validation: 0)
        try SeqNNModels.save(m, to: b, testBatch: false)

        let same = TestSupport.run(["diff", a, a])
        XCTAssertEqual(same.code, 0, same.stdout)
        XCTAssertTrue(same.stdout.contains("Result: no differences"), same.stdout)
        XCTAssertTrue(same.stdout.contains("dense/kernel    (6, 8)       max abs diff 0\n"), same.stdout)

        let changed = TestSupport.run(["diff", a, b])
        XCTAssertEqual(changed.code, 1, changed.stdout)
        XCTAssertTrue(changed.stdout.contains("Architecture: same (3 layers, 83 params)"), changed.stdout)
        XCTAssertTrue(changed.stdout.contains("Weights: 4 tensors compared, 4 differ (exact)"), changed.stdout)
        let loose = TestSupport.run(["diff", a, b, "--tolerance", "10"])
        XCTAssertEqual(loose.code, 0, loose.stdout)

        let doc = try TestSupport.json(TestSupport.run(["diff", a, b, "--json"]).stdout)
        XCTAssertEqual(doc["identical"], false)
        XCTAssertEqual(doc["weights"]?.array?.count, 4)
        XCTAssertTrue(doc["weights"]?.array?.allSatisfy { ($0["max_abs_diff"]?.number ?? 0) > 0 } ?? false)
    }
}
