import XCTest
@testable import seqinspect
import SeqNN

/// The JSON document's documented keys, and the pieces of text output on their own.
final class OutputTests: XCTestCase {
    static let topKeys = ["seqinspect_schema", "file", "model", "total_params", "trainable_params", "non_trainable_params",
                          "seqnn_can_run", "unsupported_layers", "training_config", "optimizer_state", "history", "problems"]
    static let fileKeys = ["path", "size_bytes", "dialect", "dialect_guessed", "writer", "writer_version", "keras_version",
                           "backend", "seqnn_format_version", "has_test_batch"]
    static let layerKeys = ["index", "name", "class_name", "output_shape", "activation", "params", "trainable_params",
                            "non_trainable_params", "params_source", "expected_params", "trainable", "seqnn_can_run", "weights", "config"]
    static let tensorKeys = ["path", "name", "layer", "shape", "dtype", "trainable", "count", "min", "max", "mean", "std", "nan", "inf"]

    func keys(_ j: JSON?) -> [String] { j?.object?.map(\.0) ?? [] }

    /// Strict JSON: the document parses, and holds no NaN/Infinity (which JSON cannot express).
    func strictJSON(_ text: String, _ what: String) throws -> JSON {
        for bad in [": NaN", ": Infinity", ": -Infinity", " NaN,", " NaN]", "Infinity,", "Infinity]"] {
            XCTAssertFalse(text.contains(bad), "\(what): non-JSON number '\(bad)'")
        }
        return try JSON.parse(text)
    }

    func testDocumentedKeysForEveryFixture() throws {
        var files = [String]()
        for g in ["keras2", "keras3", "seqnn"] { files += TestSupport.h5Files(TestSupport.fixtures + "/" + g) }
        XCTAssertGreaterThanOrEqual(files.count, 18)
        for f in files {
            let plain = try strictJSON(TestSupport.run([f, "--json"]).stdout, f)
            XCTAssertEqual(keys(plain), Self.topKeys, f)
            XCTAssertEqual(keys(plain["file"]), Self.fileKeys, f)
            XCTAssertEqual(keys(plain["model"]), ["class_name", "name", "input_shape", "output_shape", "layers"], f)
            for l in plain["model"]?["layers"]?.array ?? [] { XCTAssertEqual(keys(l), Self.layerKeys, f) }
            XCTAssertEqual(plain["total_params"]?.int,
                           (plain["trainable_params"]?.int ?? -1) + (plain["non_trainable_params"]?.int ?? -1), f)
            if let t = plain["training_config"], !t.isNull {
                XCTAssertEqual(keys(t), ["optimizer", "loss", "loss_description", "metrics", "weighted_metrics", "loss_weights", "raw"], f)
            }
            let full = try strictJSON(TestSupport.run([f, "--json", "--weights", "--values", "--verify"]).stdout, f)
            XCTAssertEqual(keys(full), Self.topKeys + ["weights", "optimizer_weights", "verify"], f)
            for t in full["weights"]?.array ?? [] {
                XCTAssertEqual(keys(t), Self.tensorKeys + ["values"], f)
                XCTAssertEqual(t["values"]?.array?.count, t["count"]?.int, f)
            }
            XCTAssertEqual(keys(full["verify"]), ["passed", "max_abs_diff", "checks"], f)
        }
    }

    func testNonFiniteStatisticsAreNullInJSON() throws {
        let o = TestSupport.run([TestSupport.fixtures + "/bad/nan_weights.h5", "--weights", "--json"])
        XCTAssertEqual(o.code, 1)
        let doc = try strictJSON(o.stdout, "nan_weights")
        let kernel = doc["weights"]?.array?.first
        XCTAssertEqual(kernel?["nan"], 1)
        XCTAssertEqual(kernel?["inf"], 1)
        XCTAssertNotNil(kernel?["max"]?.number)
        XCTAssertTrue(o.stderr.contains("NaN or Inf"), o.stderr)
    }

    func testTensorStats() {
        let s = TensorStats([1, 2, .nan, .infinity, -.infinity])
        XCTAssertEqual(s.count, 5)
        XCTAssertEqual(s.nan, 1)
        XCTAssertEqual(s.inf, 2)
        XCTAssertEqual(s.min, 1)
        XCTAssertEqual(s.max, 2)
        XCTAssertEqual(s.mean, 1.5)
        XCTAssertEqual(s.std, 0.5)
        XCTAssertFalse(s.allFinite)
        let empty = TensorStats([])
        XCTAssertNil(empty.mean)
        XCTAssertTrue(empty.allFinite)
    }

    func testNumpyStyleValues() {
        XCTAssertEqual(NumpyFormat.repr([0.5, -0.25, 1], shape: [3], dtype: "float32", precision: 4, summarize: true),
                       "array([ 0.50, -0.25,  1.00], dtype=float32)")
        XCTAssertEqual(NumpyFormat.repr([1, 2, 3, 4], shape: [2, 2], dtype: "float32", precision: 4, summarize: true),
                       "array([[1.0, 2.0],\n       [3.0, 4.0]], dtype=float32)")
        XCTAssertEqual(NumpyFormat.repr([8], shape: [], dtype: "int64", precision: 4, summarize: true), "array(8)")
        XCTAssertEqual(NumpyFormat.repr([1e-6, 2], shape: [2], dtype: "float32", precision: 3, summarize: true),
                       "array([1.000e-06, 2.000e+00], dtype=float32)")
        // 40 x 40 = 1600 values: summarized to 3 + 3 rows of 3 + 3 values.
        let big = (0..<1600).map { Double($0 % 50 + 1) / 64 }
        let text = NumpyFormat.repr(big, shape: [40, 40], dtype: "float32", precision: 4, summarize: true)
        XCTAssertEqual(text.split(separator: "\n").count, 7, text)
        XCTAssertTrue(text.hasPrefix("array([[0.0156, 0.0312, 0.0469, ..., 0.5938, 0.6094, 0.6250],"), text)
        // numpy switches to scientific notation when the shown values span more than 3 decades.
        let spread = NumpyFormat.repr((0..<1600).map { Double($0) / 1600 }, shape: [40, 40], dtype: "float32", precision: 4, summarize: true)
        XCTAssertTrue(spread.hasPrefix("array([[0.0000e+00, 6.2500e-04, 1.2500e-03, ..., 2.3125e-02, 2.3750e-02,"), spread)
        XCTAssertTrue(text.contains("\n       ...,\n"), text)
        let full = NumpyFormat.repr(big, shape: [40, 40], dtype: "float32", precision: 4, summarize: false)
        XCTAssertFalse(full.contains("..."))
        XCTAssertTrue(full.split(separator: "\n").allSatisfy { $0.count <= 75 || $0.hasSuffix("dtype=float32)") }, full)
    }

    func testFormatting() {
        XCTAssertEqual(Format.json(.number(0.0010000000474974513)), "0.001")
        XCTAssertEqual(Format.json(.number(0.9)), "0.9")
        XCTAssertEqual(Format.json(.number(1e-07)), "1e-07")
        XCTAssertEqual(Format.json(.number(100)), "100")
        XCTAssertEqual(Format.memory(387 * 4), "1.51 KB")
        XCTAssertEqual(Format.memory(0), "0.00 Byte")
        XCTAssertEqual(Format.grouped(1234567), "1,234,567")
        XCTAssertEqual(Format.grouped(12), "12")
        XCTAssertEqual(Format.c("%.3g", 0.000123456), "0.000123")
    }

    func testHistoryPlot() {
        let text = TextView.plot(key: "loss", values: [1.0, 0.6, 0.4, 0.3, 0.25], epochs: [0, 1, 2, 3, 4])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines[0], "  loss: 1 -> 0.25  (min 0.25 at epoch 5)")
        XCTAssertEqual(lines[1], "       1 |*")
        XCTAssertEqual(lines[5], "    0.25 |   **")
        XCTAssertEqual(lines[6], "         +-----")
        XCTAssertEqual(lines[7], "          1   5  (epoch)")
        let acc = TextView.plot(key: "accuracy", values: [0.5, 0.5], epochs: [0, 1])
        XCTAssertTrue(acc.contains("max 0.5 at epoch 1"), acc)
        // 200 epochs fit in 60 columns.
        let long = TextView.plot(key: "loss", values: (0..<200).map { 1 / Double($0 + 1) }, epochs: Array(0..<200))
        XCTAssertTrue(long.split(separator: "\n").allSatisfy { $0.count <= 80 }, long)
    }

    /// Shapes as seqinspect computes them: SeqNN's own layers where SeqNN can build them, Keras's formulas
    /// (`Shapes`) for the rest.
    func testShapeInferenceBeyondTheFixtures() {
        let shapes = LayerShapes(fileSize: 0, kerasMajor: 3)
        func out(_ cls: String, _ c: JSON, _ input: [Int?]) -> Shapes.Result {
            shapes.infer(className: cls, config: c, input: input, name: "layer").result
        }
        // channels_first convolution: (3, 8, 8) -> (4, 6, 6), 3*3*3*4 + 4 params.
        let conv = out("Conv2D", ["filters": 4, "kernel_size": [3, 3], "data_format": "channels_first"], [3, 8, 8])
        XCTAssertEqual(conv.output, [4, 6, 6])
        XCTAssertEqual(conv.params, 112)
        // Variable-length sequences keep None.
        XCTAssertEqual(out("Embedding", ["input_dim": 10, "output_dim": 4], [nil]).output, [nil, 4])
        XCTAssertEqual(out("LSTM", ["units": 5, "return_sequences": true], [nil, 4]).output, [nil, 5])
        XCTAssertEqual(out("LSTM", ["units": 5], [nil, 4]).params, 4 * 5 * (4 + 5 + 1))
        XCTAssertEqual(out("GRU", ["units": 5, "reset_after": false], [7, 4]).params, 3 * 5 * (4 + 5 + 1))
        XCTAssertEqual(out("Reshape", ["target_shape": [-1, 2]], [3, 4]).output, [6, 2])
        XCTAssertEqual(out("Flatten", [:], [nil, 4]).output, [nil])
        XCTAssertEqual(out("Dense", ["units": 3], [5, 7]).output, [5, 3])
        XCTAssertNotNil(out("Dense", ["units": 0], [5]).invalid)
        XCTAssertNotNil(out("Conv2D", ["filters": 2, "kernel_size": [3, -1]], [5, 5, 1]).invalid)
        XCTAssertNil(out("SomethingNew", [:], [5]).output)
        XCTAssertEqual(Shapes.describe(batch: nil, [16]), "(None, 16)")
        XCTAssertEqual(Shapes.describe(batch: 32, [2, 3]), "(32, 2, 3)")
        XCTAssertEqual(Shapes.describe([]), "()")
        XCTAssertEqual(Shapes.describe([5]), "(5,)")
    }

    func testDotIsAGraph() {
        let o = TestSupport.run([TestSupport.fixtures + "/keras2/cnn.h5", "--dot"])
        XCTAssertEqual(o.code, 0)
        XCTAssertTrue(o.stdout.contains("digraph \"sequential\" {"))
        XCTAssertTrue(o.stdout.contains("L0 [label=\"{conv2d|Conv2D|(None, 10, 10, 4)|activation: relu|40 params}\""), o.stdout)
        XCTAssertTrue(o.stdout.contains("input -> L0;"))
        XCTAssertTrue(o.stdout.hasSuffix("}\n"))
        XCTAssertEqual(DotView.escape("a{b}|<c>\"d\\"), "a\\{b\\}\\|\\<c\\>\\\"d\\\\")
    }
}
