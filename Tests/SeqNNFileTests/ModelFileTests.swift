import XCTest
@testable import SeqNN
@testable import SeqNNFile

#if canImport(Glibc)
import Glibc
#endif

/// ModelFile: the one parse of a model file. The format comes from the file's attributes; the config is
/// only a fallback for files without keras_version.
final class ModelFileTests: XCTestCase {
    func testFormatOfKerasAndSeqNNFixtures() throws {
        let k2 = try ModelFile(path: Fixtures.path("keras2/mlp_rmsprop.h5")).format
        XCTAssertEqual(k2.dialect, .keras2)
        XCTAssertEqual(k2.kerasVersion, "2.21.0")
        XCTAssertEqual(k2.kerasMajor, 2)
        XCTAssertFalse(k2.dialectGuessed)
        let k3 = try ModelFile(path: Fixtures.path("keras3/mlp_rmsprop.h5")).format
        XCTAssertEqual(k3.dialect, .keras3)
        XCTAssertEqual(k3.kerasMajor, 3)
        XCTAssertEqual(k3.backend, "tensorflow")
        // SeqNN writes keras_version 2.21.0 for Keras 2's sake; its own semantics marker decides.
        let s = try ModelFile(path: Fixtures.path("portable/portable_mlp.h5")).format
        XCTAssertEqual(s.dialect, .seqnn)
        XCTAssertEqual(s.seqnnFormatVersion, "1")
        XCTAssertEqual(s.kerasMajor, Int(s.seqnnSemantics ?? ""))
    }

    /// Writes a file holding only the given root attributes (and `model_weights` attributes).
    func write(_ name: String, root: [(String, String)], weights: [(String, String)] = []) throws -> String {
        let path = "/tmp/seqnnfile-test-\(getpid())-\(name).h5"
        unlink(path)
        let file = try H5File.create(path)
        for (k, v) in root { try file.root.setString(k, v) }
        let g = try file.root.createGroup("model_weights")
        for (k, v) in weights { try g.setString(k, v) }
        try g.setNameList("layer_names", [])
        try file.flush()
        return path
    }

    static let keras2Config = #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 3], "dtype": "float32"}}, {"class_name": "Activation", "config": {"activation": "hard_sigmoid"}}]}}"#
    static let keras3Config = #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"batch_shape": [null, 3], "dtype": "float32"}}, {"class_name": "Activation", "config": {"activation": "hard_sigmoid", "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}}}}]}}"#

    func testVersionFromModelWeightsWhenTheRootHasNone() throws {
        let path = try write("mwversion", root: [("model_config", Self.keras3Config)], weights: [("keras_version", "2.13.1"), ("backend", "tensorflow")])
        defer { unlink(path) }
        let f = try ModelFile(path: path).format
        XCTAssertEqual(f.dialect, .keras2, "Keras's weight loader reads keras_version from model_weights")
        XCTAssertFalse(f.dialectGuessed)
        XCTAssertEqual(f.kerasMajor, 2)
        XCTAssertEqual(f.backend, "tensorflow")
    }

    /// Without any keras_version (Keras would treat the file as a Keras 1 file) the config text decides, for
    /// the library's load and for seqinspect alike.
    func testConfigGuessOnlyWithoutAnyVersion() throws {
        for (name, config, dialect, major) in [("k2", Self.keras2Config, ModelFile.Dialect.keras2, 2), ("k3", Self.keras3Config, .keras3, 3)] {
            let path = try write("guess-\(name)", root: [("model_config", config)])
            defer { unlink(path) }
            let file = try ModelFile(path: path)
            XCTAssertEqual(file.format.dialect, dialect, name)
            XCTAssertTrue(file.format.dialectGuessed, name)
            XCTAssertEqual(file.format.kerasMajor, major, name)
            XCTAssertEqual(try file.loadModel().kerasMajor, major, name)
        }
    }

    func testMissingAndBrokenConfigsSayWhat() throws {
        let none = try write("noconfig", root: [("keras_version", "3.15.1")])
        defer { unlink(none) }
        XCTAssertThrowsError(try ModelFile(path: none).modelConfig()) { e in
            XCTAssertEqual((e as? SeqNNError)?.kind, .format)
            XCTAssertTrue("\(e)".contains("has no model_config attribute: it holds weights only"), "\(e)")
        }
        let bad = try write("badjson", root: [("keras_version", "3.15.1"), ("model_config", "{\"class_name\": ")])
        defer { unlink(bad) }
        XCTAssertThrowsError(try ModelReader.load(bad)) { e in
            XCTAssertTrue("\(e)".contains("model_config is not valid JSON"), "\(e)")
        }
    }

    // MARK: Layer.declaredWeightCount

    /// Every class SeqNN can build has a known bound, so no layer is built on trust; and the bound holds.
    func testDeclaredWeightCountBoundsEveryRegistryClass() throws {
        let dense = #"{"class_name": "Dense", "config": {"units": 3}}"#
        let lstm = #"{"class_name": "LSTM", "config": {"units": 3}}"#
        let configs: [String: (String, [Int])] = [
            "Dense": (#"{"units": 3}"#, [5]), "Activation": (#"{"activation": "relu"}"#, [5]), "Dropout": (#"{"rate": 0.5}"#, [5]),
            "Flatten": ("{}", [2, 3]), "Reshape": (#"{"target_shape": [6]}"#, [2, 3]), "InputLayer": (#"{"batch_shape": [null, 5]}"#, [5]),
            "Embedding": (#"{"input_dim": 10, "output_dim": 4}"#, [6]), "SimpleRNN": (#"{"units": 3}"#, [6, 2]),
            "LSTM": (#"{"units": 3}"#, [6, 2]), "GRU": (#"{"units": 3}"#, [6, 2]),
            "Bidirectional": (#"{"layer": \#(lstm)}"#, [6, 2]), "TimeDistributed": (#"{"layer": \#(dense)}"#, [6, 2]),
            "BatchNormalization": ("{}", [4]), "LayerNormalization": ("{}", [4]), "RepeatVector": (#"{"n": 3}"#, [4]),
            "Permute": (#"{"dims": [2, 1]}"#, [3, 4]), "Rescaling": (#"{"scale": 0.5}"#, [4]),
        ]
        XCTAssertGreaterThanOrEqual(LayerRegistry.classNames.count, 30)
        var checked = 0
        for cls in LayerRegistry.classNames {
            checked += 1
            let isConv = cls.contains("Conv") || cls.contains("Convolution")
            let twoD = cls.contains("2D")
            let (text, input) = configs[cls] ?? (isConv ? #"{"filters": 2, "kernel_size": 2}"# : "{}", twoD ? [6, 6, 3] : [6, 3])
            let layer = try LayerRegistry.make(className: cls, config: JSON.parse(text))
            let bound = layer.declaredWeightCount(inputShape: input)
            var rng = SeededGenerator(seed: 0)
            _ = try layer.build(inputShape: input, rng: &rng)
            XCTAssertLessThanOrEqual(layer.parameterCount, bound, cls)
            XCTAssertEqual(bound == 0, layer.parameters.isEmpty, "\(cls): bound \(bound)")
        }
        XCTAssertEqual(checked, LayerRegistry.classNames.count)
    }

    func testDeclaredWeightCountSaturatesInsteadOfOverflowing() throws {
        let d = try Dense(units: 1 << 40)
        XCTAssertEqual(d.declaredWeightCount(inputShape: [1 << 30]), Int.max)
        XCTAssertEqual(d.declaredWeightCount(inputShape: [1]), (1 << 40) * 2)
    }
}
