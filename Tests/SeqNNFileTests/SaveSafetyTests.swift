import CSeqNNHDF5
import XCTest
@testable import SeqNN
@testable import SeqNNFile

#if canImport(Glibc)
import Glibc
#endif

/// Issue 15: SeqNN's files carry checksums a load verifies (item 2), a save refuses what a load would refuse
/// (item 3), and saving cleans up after killed saves (item 4; the kill loop, full disk and read-only folder
/// are in Tests/c/test_save_safety.c, which needs child processes).
final class SaveSafetyTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/seqnn-save-safety-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    override func tearDownWithError() throws {
        if let d = opendir(folder) {
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { unlink(folder + "/" + name) }
            }
            closedir(d)
        }
        rmdir(folder)
    }

    func entries() -> [String] {
        var out = [String]()
        if let d = opendir(folder) {
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { out.append(name) }
            }
            closedir(d)
        }
        return out.sorted()
    }

    /// A small compiled and trained model: weights, Adam's slots and iteration count, a history.
    func trainedModel(seed: UInt64 = 7) throws -> Sequential {
        let m = Sequential(seed: seed)
        try m.add(LayerRegistry.make(className: "Dense", config: ["units": 6, "input_shape": [5], "activation": "relu"]))
        try m.add(Dense(units: 3, activation: Activations.Softmax()))
        try m.compile(optimizer: "adam", loss: "categorical_crossentropy", metrics: ["accuracy"])
        let x = (0..<(16 * 5)).map { Float(($0 * 29) % 31) / 31 }
        let y = (0..<(16 * 3)).map { Float($0 % 3 == ($0 / 3) % 3 ? 1 : 0) }
        var o = FitOptions()
        o.epochs = 2
        o.verbose = 0
        try m.fit(x: x, y: y, options: o)
        return m
    }

    /// Everything a load restores, to tell "the same model" from "a different one".
    func fingerprint(_ m: Sequential) -> String {
        var parts = [m.config().description, m.trainingConfig()?.description ?? "-"]
        parts += m.layers.flatMap { $0.parameters.map { Array(UnsafeBufferPointer(start: $0.value.data, count: $0.value.count)).description } }
        if let o = m.optimizer {
            parts.append("\(o.iterations) \(o.learningRate) \(o.extraState.sorted { $0.key < $1.key })")
            parts += o.slots.flatMap { $0.map { Array(UnsafeBufferPointer(start: $0.data, count: $0.count)).description } }
        }
        return parts.joined(separator: "|")
    }

    // MARK: Checksums (item 2)

    func testXXH64MatchesTheReferenceImplementation() {
        func hash(_ bytes: [UInt8], split: Int? = nil) -> UInt64 {
            var h = XXH64()
            let cut = split ?? bytes.count
            bytes[..<cut].withUnsafeBytes { h.update($0) }
            bytes[cut...].withUnsafeBytes { h.update($0) }
            return h.digest()
        }
        // Values from the xxhash Python package (xxhash.xxh64(data).intdigest()).
        XCTAssertEqual(hash([]), 0xef46_db37_51d8_e999)
        XCTAssertEqual(hash(Array("abc".utf8)), 0x44bc_2cf5_ad77_0999)
        let long = Array((0..<256).map { UInt8($0) }) + Array((0..<256).map { UInt8($0) }) + Array((0..<256).map { UInt8($0) }) + Array("xyz".utf8)
        XCTAssertEqual(hash(long), 0xe921_a1b4_5bd7_79f8)
        for split in [1, 31, 32, 33, 100, 770] { XCTAssertEqual(hash(long, split: split), 0xe921_a1b4_5bd7_79f8, "split at \(split)") }
    }

    func testSavedFilesCarryChecksumsThatVerify() throws {
        let m = try trainedModel()
        for name in ["m.h5", "m.keras", "m.weights.h5"] {
            let path = folder + "/" + name
            try ModelWriter.saveAny(m, to: path, seqnnVersion: "test")
            let report = try ModelFile(path: path).checksumReport()
            XCTAssertTrue(report.hasPrefix("checksum ok ("), "\(name): \(report)")
        }
        XCTAssertEqual(fingerprint(try ModelReader.load(folder + "/m.h5")), fingerprint(m))
        XCTAssertEqual(fingerprint(try ModelReader.load(folder + "/m.keras")), fingerprint(m))
    }

    /// A file Keras wrote has no checksums: that is reported, not an error.
    func testKerasFilesReportNoChecksum() throws {
        let keras = Fixtures.path("keras2/" + Fixtures.files(in: "keras2", suffix: ".h5").first!)
        XCTAssertEqual(try ModelFile(path: keras).checksumReport(), "no checksum (written by Keras)")
        XCTAssertNoThrow(try ModelReader.load(keras))
        let older = Fixtures.path("portable/portable_mlp.h5")   // SeqNN file format 1
        XCTAssertEqual(try ModelFile(path: older).checksumReport(), "no checksum (written by SeqNN before file format 2)")
        XCTAssertNoThrow(try ModelReader.load(older))
    }

    /// A value changed in place (same size, so HDF5's own structure checks pass) is caught and named.
    func testAChangedAttributeIsNamed() throws {
        let path = folder + "/m.h5"
        try ModelWriter.save(try trainedModel(), to: path, seqnnVersion: "test")
        do {   // rewrite seqnn_version through libhdf5, as a tool or a damaged sector might
            let fid = H5Fopen(path, 1 /* H5F_ACC_RDWR */, seqnn_h5_P_DEFAULT())
            XCTAssertGreaterThanOrEqual(fid, 0)
            let root = H5Group(handle: try H5Handle(H5Gopen2(fid, "/", seqnn_h5_P_DEFAULT()), .group, "root"), path: "/")
            try root.setString("seqnn_version", "tesT")
            H5Fclose(fid)
        }
        XCTAssertThrowsError(try ModelReader.load(path)) { e in
            let err = e as! SeqNNError
            XCTAssertEqual(err.kind, .format)
            XCTAssertTrue(err.message.contains("attribute /@seqnn_version"), err.message)
            XCTAssertTrue(err.message.contains("damaged"), err.message)
        }
    }

    /// One flipped bit at positions spread over a whole file (.h5, .keras, .weights.h5): every load either
    /// fails with a SeqNN error or gives back exactly the saved model. None gives a different model.
    func testFlippedBitsInSeqNNFilesAreErrorsNeverADifferentModel() throws {
        let m = try trainedModel()
        let want = fingerprint(m)
        for name in ["flip.h5", "flip.keras", "flip.weights.h5"] {
            let path = folder + "/" + name, damaged = folder + "/damaged-" + name
            try ModelWriter.saveAny(m, to: path, seqnnVersion: "test")
            let bytes = try readFile(path)
            var errors = 0, same = 0, different = [Int]()
            var rng = SeededGenerator(seed: 15)
            let positions = Array(stride(from: 0, to: bytes.count, by: max(1, bytes.count / 300))) + (0..<100).map { _ in Int(rng.next() % UInt64(bytes.count)) }
            for pos in positions {
                var b = bytes
                b[pos] ^= UInt8(1 << (pos % 8))
                try writeFile(damaged, b)
                do {
                    let back: Sequential
                    if name.hasSuffix(".weights.h5") {
                        back = try trainedModel(seed: 99)
                        try ModelReader.loadWeights(damaged, into: back)
                        if fingerprint(back).split(separator: "|").dropFirst(2).prefix(4) == want.split(separator: "|").dropFirst(2).prefix(4) { same += 1 } else { different.append(pos) }
                        continue
                    }
                    back = try ModelReader.load(damaged)
                    if fingerprint(back) == want { same += 1 } else { different.append(pos) }
                } catch is SeqNNError { errors += 1 }
            }
            XCTAssertEqual(different, [], "\(name): flips at these offsets gave a different model")
            print("figure: \(name) (\(bytes.count) bytes): \(positions.count) single-bit flips: \(errors) errors, \(same) same model, \(different.count) different model")
        }
    }

    func readFile(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw SeqNNError(.io, "open \(path)") }
        defer { fclose(f) }
        var out = [UInt8](), buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n == 0 { break }
            out += buf[..<n]
        }
        return out
    }

    func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        unlink(path)
        guard let f = fopen(path, "wb") else { throw SeqNNError(.io, "open \(path)") }
        defer { fclose(f) }
        XCTAssertEqual(fwrite(bytes, 1, bytes.count, f), bytes.count)
    }

    // MARK: Save accepts only what load accepts (item 3)

    func assertRefused(_ m: Sequential, _ kind: SeqNNError.Kind, _ words: [String], file: StaticString = #filePath, line: UInt = #line) {
        for name in ["r.h5", "r.keras"] {
            XCTAssertThrowsError(try ModelWriter.saveAny(m, to: folder + "/" + name, seqnnVersion: "test"), file: file, line: line) { e in
                let err = e as! SeqNNError
                XCTAssertEqual(err.kind, kind, err.message, file: file, line: line)
                for w in words { XCTAssertTrue(err.message.contains(w), "\(err.message) should mention \(w)", file: file, line: line) }
            }
        }
        XCTAssertEqual(entries(), [], "a refused save leaves nothing behind", file: file, line: line)
    }

    func testNamesALoadCannotMapBackAreRefused() throws {
        // Layers already refuse '/' when made (Keras 3 does too); a model name can still carry one.
        XCTAssertThrowsError(try LayerRegistry.make(className: "Dense", config: ["units": 2, "name": "a/b"]))
        let named = Sequential(seed: 1)
        named.name = "x/y"
        try named.add(LayerRegistry.make(className: "Dense", config: ["units": 2, "input_shape": [3]]))
        assertRefused(named, .invalidArgument, ["model's name", "'/'"])
        for (bad, word) in [(String(repeating: "n", count: 70_000), "70000 bytes"), ("a\nb", "control character")] {
            let m = Sequential(seed: 1)
            try m.add(LayerRegistry.make(className: "Dense", config: ["units": 2, "input_shape": [3], "name": .string(bad)]))
            assertRefused(m, .invalidArgument, ["layer #0", word])
        }
    }

    /// '%' and other printf directives are plain characters in names: saved and loaded back as they are.
    func testNamesWithFormatDirectivesRoundTrip() throws {
        let m = Sequential(seed: 1)
        try m.add(LayerRegistry.make(className: "Dense", config: ["units": 2, "input_shape": [3], "name": "d%s%n%x"]))
        for name in ["p.h5", "p.keras"] {
            try ModelWriter.saveAny(m, to: folder + "/" + name, seqnnVersion: "test")
            XCTAssertEqual(try ModelReader.load(folder + "/" + name).layers.map(\.name), ["d%s%n%x"])
        }
    }

    func testNonFiniteWeightsAndOptimizerStateAreRefused() throws {
        let m = try trainedModel()
        m.layers[1].parameters[0].value.data[4] = .nan
        assertRefused(m, .numeric, ["weight kernel of layer #1", "nan", "index 4"])

        let o = try trainedModel()
        o.optimizer!.slots[1][0].data[0] = .infinity
        assertRefused(o, .numeric, ["optimizer state", "trainable weight #1", "inf"])
        // Without the optimizer, its state is not written and not checked.
        var opts = ModelWriter.Options()
        opts.includeOptimizer = false
        XCTAssertNoThrow(try ModelWriter.save(o, to: folder + "/no-opt.h5", options: opts, seqnnVersion: "test"))
    }

    func testAnInfiniteLearningRateIsRefused() throws {
        let m = try trainedModel()
        m.optimizer!.learningRate = Float(1e308 as Double)   // what learning_rate=1e308 becomes in float32
        assertRefused(m, .numeric, ["learning_rate", "inf"])
    }

    // MARK: Temporary files (item 4)

    func testAFailedSaveLeavesTheOldFileAndNoTemporary() throws {
        let path = folder + "/keep.h5"
        try ModelWriter.save(try trainedModel(), to: path, seqnnVersion: "test")
        let before = try readFile(path)
        let bad = try trainedModel()
        bad.layers[0].parameters[1].value.data[0] = .nan
        XCTAssertThrowsError(try ModelWriter.save(bad, to: path, seqnnVersion: "test"))
        XCTAssertEqual(try readFile(path), before)
        XCTAssertEqual(entries(), ["keep.h5"])
        // A folder that does not exist: an I/O error naming it.
        XCTAssertThrowsError(try ModelWriter.save(bad, to: folder + "/none/x.h5", options: { var o = ModelWriter.Options(); o.includeOptimizer = false; return o }(), seqnnVersion: "t")) { e in
            XCTAssertEqual((e as! SeqNNError).kind, .numeric)   // refused before any file work: the NaN bias
        }
        let good = try trainedModel()
        XCTAssertThrowsError(try ModelWriter.save(good, to: folder + "/none/x.h5", seqnnVersion: "t")) { e in
            let err = e as! SeqNNError
            XCTAssertEqual(err.kind, .io)
            XCTAssertTrue(err.message.contains(folder + "/none"), err.message)
        }
    }

    /// Temporaries of dead processes go at the next save in the folder; those of live processes, of this
    /// process, of other names, and any a process still holds locked, stay.
    func testStaleTemporariesOfDeadProcessesAreRemoved() throws {
        let child = fork()
        if child == 0 { _exit(0) }
        var st: Int32 = 0
        waitpid(child, &st, 0)   // a pid that no longer exists
        let dead = folder + "/m.h5.seqnn-tmp-\(child)-abc"
        let deadOtherTarget = folder + "/other.keras.seqnn-tmp-\(child)-def"
        let deadLocked = folder + "/m.h5.seqnn-tmp-\(child)-locked"
        let live = folder + "/m.h5.seqnn-tmp-\(getppid())-ghi"
        let mine = folder + "/m.h5.seqnn-tmp-\(getpid())-jkl"
        let unrelated = folder + "/notes.txt"
        for p in [dead, deadOtherTarget, deadLocked, live, mine, unrelated] { try writeFile(p, [1, 2, 3]) }
        let lockFd = open(deadLocked, O_RDONLY)
        XCTAssertEqual(flock(lockFd, LOCK_EX), 0)
        defer { close(lockFd) }
        try ModelWriter.save(try trainedModel(), to: folder + "/m.h5", seqnnVersion: "test")
        XCTAssertEqual(entries(), ["m.h5", "m.h5.seqnn-tmp-\(child)-locked", "m.h5.seqnn-tmp-\(getppid())-ghi",
                                   "m.h5.seqnn-tmp-\(getpid())-jkl", "notes.txt"].sorted())
        XCTAssertEqual(DurableFile.stalePid(in: "a.h5.seqnn-tmp-123-x"), 123)
        XCTAssertNil(DurableFile.stalePid(in: "a.h5.seqnn-tmp-x-123"))
        XCTAssertNil(DurableFile.stalePid(in: "a.h5"))
    }
}
