import XCTest
@testable import SeqNN
@testable import SeqNNFile

#if canImport(Glibc)
import Glibc
#endif

/// Save/load through SeqNN's own writer and reader.
final class RoundTripTests: XCTestCase {
    func tempPath(_ name: String) -> String { "/tmp/seqnn-test-\(getpid())-\(name).h5" }

    func tutorialModel(seed: UInt64 = 3) throws -> Sequential {
        let m = Sequential(seed: seed)
        try m.add(LayerRegistry.make(className: "Dense", config: ["units": 8, "input_shape": [10], "activation": "relu"]))
        try m.add(Dropout(rate: 0.25))
        try m.add(Dense(units: 4, activation: Activations.Softmax()))
        return m
    }

    func data() -> ([Float], [Float]) {
        let x = (0..<(64 * 10)).map { Float(($0 * 37) % 101) / 101 }
        let y = (0..<(64 * 4)).map { Float(($0 % 4) == ($0 / 4) % 4 ? 1 : 0) }
        return (x, y)
    }

    func testSavedModelPredictsTheSame() throws {
        let m = try tutorialModel()
        let (x, _) = data()
        let path = tempPath("predict")
        defer { unlink(path) }
        try ModelWriter.save(m, to: path, seqnnVersion: "test")
        let back = try ModelReader.load(path)
        XCTAssertEqual(try back.predict(x), try m.predict(x))
        XCTAssertEqual(back.layers.map(\.name), m.layers.map(\.name))
        XCTAssertFalse(back.isCompiled)
    }

    /// ARCHITECTURE §4 / issue 3: resume = uninterrupted training, bit for bit, for every optimizer (with dropout
    /// and shuffling, so the generator state matters too).
    func testResumedTrainingEqualsUninterruptedForEveryOptimizer() throws {
        let (x, y) = data()
        for opt in ["sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamw", "adamax", "nadam",
                    #"{"class_name": "SGD", "config": {"momentum": 0.9, "nesterov": true}}"#,
                    #"{"class_name": "RMSprop", "config": {"momentum": 0.5, "centered": true}}"#,
                    #"{"class_name": "Adam", "config": {"amsgrad": true}}"#] {
            let spec: JSON = opt.hasPrefix("{") ? try JSON.parse(opt) : .string(opt)
            var o = FitOptions()
            o.epochs = 2
            o.verbose = 0
            let straight = try tutorialModel()
            try straight.compile(optimizer: spec, loss: "categorical_crossentropy", metrics: ["accuracy"])
            o.epochs = 4
            try straight.fit(x: x, y: y, options: o)

            let first = try tutorialModel()
            try first.compile(optimizer: spec, loss: "categorical_crossentropy", metrics: ["accuracy"])
            o.epochs = 2
            try first.fit(x: x, y: y, options: o)
            let path = tempPath("resume")
            defer { unlink(path) }
            try ModelWriter.save(first, to: path, seqnnVersion: "test")
            let resumed = try ModelReader.load(path)
            XCTAssertTrue(resumed.isCompiled, opt)
            o.initialEpoch = 2
            o.epochs = 4
            try resumed.fit(x: x, y: y, options: o)
            XCTAssertEqual(try resumed.predict(x), try straight.predict(x), "resume with \(opt) differs")
        }
    }

    /// A model with a 5,900-character layer name: Keras splits `layer_names` into layer_names0, 1, ... past
    /// 64,512 bytes; SeqNN reads that and writes the same split.
    func testLongNameListsRoundTrip() throws {
        let keras = try ModelReader.load(Fixtures.path("keras3/long_names.h5"))
        let path = tempPath("long")
        defer { unlink(path) }
        try ModelWriter.save(keras, to: path, seqnnVersion: "test")
        let back = try ModelReader.load(path)
        XCTAssertEqual(back.layers.map(\.name), keras.layers.map(\.name))
        XCTAssertTrue(back.layers.contains { $0.name.count == 5900 })
        let file = try H5File.open(path)
        let weights = try file.root.group("model_weights")
        XCTAssertFalse(weights.hasAttribute("layer_names"))
        XCTAssertTrue(weights.hasAttribute("layer_names0") && weights.hasAttribute("layer_names1"))
    }

    func testFailedSaveLeavesTheEarlierFileIntact() throws {
        let m = try tutorialModel()
        let path = tempPath("intact")
        defer { unlink(path) }
        try ModelWriter.save(m, to: path, seqnnVersion: "test")
        let before = try ModelReader.load(path)
        var o = ModelWriter.Options()
        o.testInputs = [1, 2, 3]   // not a whole sample: the save fails after the file is half written
        XCTAssertThrowsError(try ModelWriter.save(try tutorialModel(seed: 99), to: path, options: o, seqnnVersion: "test"))
        let after = try ModelReader.load(path)
        let (x, _) = data()
        XCTAssertEqual(try after.predict(x), try before.predict(x))
        // No temporary file is left behind.
        let dir = opendir("/tmp")!
        defer { closedir(dir) }
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            XCTAssertFalse(name.hasPrefix("seqnn-test-\(getpid())-intact.h5.seqnn-tmp"), name)
        }
    }
}
