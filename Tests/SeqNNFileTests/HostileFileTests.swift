import XCTest
@testable import SeqNN
@testable import SeqNNFile

/// Issue 15: files that are damaged or hostile are refused with a clear error, never crash, hang or read
/// outside themselves; by default libhdf5 runs in the reader process (ReaderProcess), and the trusted
/// in-process path refuses the same hostile-but-valid files. Fixtures: tools/fixtures/generate_hostile.py
/// and two mutants found by Tests/robustness/corpus.py (README in the folder).
final class HostileFileTests: XCTestCase {
    func refusal(_ name: String, options: LoadOptions = LoadOptions()) -> SeqNNError? {
        do {
            _ = try ModelReader.load(Fixtures.path("hostile/\(name)"), options: options)
            return nil
        } catch let e as SeqNNError { return e } catch { return SeqNNError(.internalError, "\(error)") }
    }

    func testFilesThatWouldReadOutsideThemselvesAreRefusedOnEitherPath() {
        let expected = ["external_storage.h5": "keeps its data in external files", "external_link.h5": "is an external link",
                        "virtual_dataset.h5": "is a virtual dataset", "soft_link.h5": "is a soft link"]
        for trusted in [false, true] {
            var o = LoadOptions()
            o.trusted = trusted
            for (file, words) in expected {
                let e = refusal(file, options: o)
                XCTAssertEqual(e?.kind, .format, "\(file) trusted=\(trusted): \(e?.message ?? "loaded")")
                XCTAssertTrue(e?.message.contains(words) == true && e?.message.contains(file) == true, e?.message ?? "loaded")
            }
        }
    }

    func testDeclaredSizesAreCheckedBeforeAnythingIsRead() {
        let e = refusal("huge_unwritten_dataset.h5")
        XCTAssertEqual(e?.kind, .format)
        XCTAssertTrue(e?.message.contains("declares 8589934592 bytes of values but the file stores 0") == true, e?.message ?? "loaded")
        // Under a small memory limit the same file is OUT_OF_MEMORY, before allocating.
        var o = LoadOptions()
        o.memoryLimit = 1 << 20
        XCTAssertEqual(refusal("huge_unwritten_dataset.h5", options: o)?.kind, .outOfMemory)
    }

    func testTheMemoryLimitBoundsAnOrdinaryFile() throws {
        var o = LoadOptions()
        o.memoryLimit = 200
        for trusted in [false, true] {
            o.trusted = trusted
            XCTAssertThrowsError(try ModelReader.load(Fixtures.path("keras3/mlp_rmsprop.h5"), options: o)) { e in
                XCTAssertEqual((e as? SeqNNError)?.kind, .outOfMemory, "\(e)")
                XCTAssertTrue((e as? SeqNNError)?.message.contains("memory limit") == true, "\(e)")
            }
        }
        o.memoryLimit = 1 << 20
        XCTAssertNoThrow(try ModelReader.load(Fixtures.path("keras3/mlp_rmsprop.h5"), options: o))
    }

    func testAConfigDeclaringMoreWeightsThanTheFileHoldsIsRefusedBeforeBuilding() throws {
        let config = try JSON.parse(#"{"layers": [{"class_name": "InputLayer", "config": {"batch_shape": [null, 10]}}, {"class_name": "Dense", "config": {"name": "huge", "units": 2147483648}}]}"#)
        XCTAssertThrowsError(try Sequential.fromConfig(config, kerasMajor: 3, seed: 0, weightBudget: (1 << 40, 100))) { e in
            XCTAssertEqual((e as? SeqNNError)?.kind, .shapeMismatch, "\(e)")
            XCTAssertTrue("\(e)".contains("Dense 'huge' declares 23622320128 weight values"), "\(e)")
        }
        XCTAssertThrowsError(try Sequential.fromConfig(config, kerasMajor: 3, seed: 0, weightBudget: (1 << 30, Int.max / 16))) { e in
            XCTAssertEqual((e as? SeqNNError)?.kind, .outOfMemory, "\(e)")
        }
    }

    func testNaNInOptimizerStateIsRefusedSayingWhere() {
        let e = refusal("nan_optimizer_state.h5")
        XCTAssertEqual(e?.kind, .numeric)
        XCTAssertTrue(e?.message.contains("optimizer_weights/rm_sprop/sequential_dense_kernel_velocity") == true, e?.message ?? "loaded")
    }

    /// Mutants on which Debian 12's libhdf5 1.10.8 segfaults or loops: the caller gets an error naming the
    /// file and what was being read, and carries on.
    func testACrashOrHangOfLibhdf5IsContainedAndReported() throws {
        let crash = refusal("libhdf5_crash.h5")
        XCTAssertEqual(crash?.kind, .format)
        XCTAssertTrue(crash?.message.contains("the file is damaged or hostile: reading it crashed libhdf5 (SIGSEGV) while reading attribute") == true, crash?.message ?? "loaded")
        var o = LoadOptions()
        o.timeLimit = 1
        let start = ReaderProcess.now()
        let hang = refusal("libhdf5_hang.h5", options: o)
        XCTAssertLessThan(ReaderProcess.now() - start, 5)
        XCTAssertTrue(hang?.message.contains("the file is damaged or hostile: reading it did not finish in 1 s while") == true, hang?.message ?? "loaded")
        // The process is fine afterwards.
        XCTAssertNoThrow(try ModelReader.load(Fixtures.path("keras3/mlp_rmsprop.h5")))
    }

    func testTheTrustedPathLoadsTheSameModel() throws {
        var o = LoadOptions()
        o.trusted = true
        for f in ["keras2/mlp_rmsprop.h5", "keras3/mlp_rmsprop.h5", "keras3_archive/mlp_rmsprop.keras"] {
            let a = try ModelReader.load(Fixtures.path(f)), b = try ModelReader.load(Fixtures.path(f), options: o)
            XCTAssertEqual(a.layers.count, b.layers.count)
            for (x, y) in zip(a.layers, b.layers) {
                XCTAssertEqual(x.parameters.map(\.value.array), y.parameters.map(\.value.array), f)
            }
        }
    }

    func testNonRegularFilesAreRefusedWithoutBlocking() throws {
        let fifo = NSTemporaryDirectory() + "seqnn-fifo-\(getpid())"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        defer { unlink(fifo) }
        XCTAssertThrowsError(try ModelReader.load(fifo)) { e in XCTAssertTrue("\(e)".contains("not a regular file"), "\(e)") }
        XCTAssertThrowsError(try ModelReader.load("/tmp")) { e in XCTAssertEqual((e as? SeqNNError)?.kind, .io) }
    }

    /// Sequential keeps its set of layer names: adding n layers is linear (20,000 layers took 31 s before).
    func testManyLayersLoadInLinearTimeAndNamesStayKeras() throws {
        let layer = #"{"class_name": "Activation", "config": {"activation": "relu"}}"#
        let config = try JSON.parse(#"{"layers": [{"class_name": "InputLayer", "config": {"batch_shape": [null, 4]}}, "# +
                                    Array(repeating: layer, count: 20_000).joined(separator: ", ") + "]}")
        let start = ReaderProcess.now()
        let model = try Sequential.fromConfig(config)
        XCTAssertLessThan(ReaderProcess.now() - start, 10)
        XCTAssertEqual(model.layers[0].name, "activation")
        XCTAssertEqual(model.layers[1].name, "activation_1")
        XCTAssertEqual(model.layers.last?.name, "activation_19999")
        XCTAssertEqual(Set(model.layers.map(\.name)).count, 20_000)
        try model.pop()
        try model.add(try LayerRegistry.make(className: "Activation", config: .object([("activation", .string("relu"))]), kerasMajor: 3))
        XCTAssertEqual(model.layers.last?.name, "activation_19999")
    }
}
