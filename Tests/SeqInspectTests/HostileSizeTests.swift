import XCTest
@testable import seqinspect
@testable import SeqNNFile
import SeqNN

#if canImport(Glibc)
import Glibc
#endif

/// Tiny files whose configs declare enormous layers. seqinspect builds layers with SeqNN to get their
/// shapes, and building allocates every weight: these must be refused before building, with a message that
/// names the layer, and never allocate gigabytes or crash.
final class HostileSizeTests: XCTestCase {
    /// A Keras 3 style file holding only `model_config` (and an empty `model_weights`): a few kilobytes.
    static func write(_ name: String, layers: [String], input: String) throws -> String {
        let path = "/tmp/seqinspect-hostile-\(getpid())-\(name).h5"
        unlink(path)
        let input = #"{"class_name": "InputLayer", "config": {"batch_shape": \#(input), "name": "input_layer"}}"#
        let config = #"{"class_name": "Sequential", "config": {"name": "sequential", "layers": [\#(([input] + layers).joined(separator: ", "))]}}"#
        let file = try H5File.create(path)
        try file.root.setString("keras_version", "3.15.1")
        try file.root.setString("backend", "tensorflow")
        try file.root.setString("model_config", config)
        try file.root.createGroup("model_weights").setNameList("layer_names", [])
        try file.flush()
        return path
    }

    static func dense(_ name: String, _ units: String) -> String {
        #"{"class_name": "Dense", "config": {"name": "\#(name)", "units": \#(units)}}"#
    }

    static func maxRSSKilobytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss
    }

    func testDenseWithTwoToThe31UnitsIsRefusedNamingTheLayer() throws {
        let path = try Self.write("dense", layers: [Self.dense("huge", "2147483648"), Self.dense("after", "2")], input: "[null, 1]")
        defer { unlink(path) }
        let before = Self.maxRSSKilobytes()
        let o = TestSupport.run([path])
        XCTAssertEqual(o.code, 1, o.stderr)
        XCTAssertTrue(o.stderr.hasPrefix("seqinspect: "), o.stderr)
        XCTAssertTrue(o.stderr.contains("layer 'huge' (Dense): its config declares up to 4,294,967,296 weights for input (None, 1), more than seqinspect builds for this "), o.stderr)
        XCTAssertTrue(o.stdout.contains(" huge (Dense)*"), o.stdout)
        XCTAssertTrue(o.stdout.contains("    huge (Dense): declares up to 4,294,967,296 weights, more than the file can hold"), o.stdout)
        XCTAssertTrue(o.stdout.contains(" after (Dense)               ?"), o.stdout)
        // --verify must not hand the file to SeqNN's loader, which would build (and allocate) the layer.
        let v = TestSupport.run([path, "--verify"])
        XCTAssertEqual(v.code, 1, v.stdout)
        XCTAssertTrue(v.stdout.contains("[FAIL] SeqNN loads the model: SeqNN cannot run these layers yet: huge (Dense); no forward pass was run"), v.stdout)
        let doc = try TestSupport.json(TestSupport.run([path, "--json"]).stdout)
        XCTAssertEqual(doc["problems"]?.array?.first?["broken"], true)
        XCTAssertEqual(doc["unsupported_layers"]?.array?.first?["name"], "huge")
        XCTAssertLessThan(Self.maxRSSKilobytes() - before, 256 * 1024, "inspecting a tiny file grew the process by more than 256 MB")
    }

    func testOverflowingAndRecurrentSizesAreRefused() throws {
        let cases: [(String, [String], String, String)] = [
            ("wide", [Self.dense("d", "2147483648")], "[null, 2147483648]", "layer 'd' (Dense): its config declares up to 4,611,686,020,574,871,552 weights"),
            ("units", [Self.dense("d", "1099511627776")], "[null, 4]", "layer 'd' (Dense): 'units' = 1099511627776 in its config is larger than any size SeqNN accepts (2,147,483,648)"),
            ("lstm", [#"{"class_name": "LSTM", "config": {"name": "rnn", "units": 1048576}}"#], "[null, 5, 3]", "layer 'rnn' (LSTM): its config declares up to"),
            ("embedding", [#"{"class_name": "Embedding", "config": {"name": "emb", "input_dim": 1099511627776, "output_dim": 4}}"#], "[null, 5]", "layer 'emb' (Embedding)"),
            ("td", [#"{"class_name": "TimeDistributed", "config": {"name": "td", "layer": {"class_name": "Dense", "config": {"units": 1073741824}}}}"#], "[null, 3, 4]", "layer 'td' (TimeDistributed)"),
            // Sizes whose arithmetic would overflow before SeqNN's own size checks.
            // (JSON integers above 2^53 are not integers to SeqNN's config reader: refused there already.)
            ("upsampling", [#"{"class_name": "UpSampling1D", "config": {"name": "up", "size": 4503599627370496}}"#], "[null, 2147483648, 1]",
             "layer 'up' (UpSampling1D): 'size' = 4503599627370496 in its config is larger than any size SeqNN accepts"),
            ("padding", [#"{"class_name": "ZeroPadding1D", "config": {"name": "pad", "padding": [4503599627370496, 1]}}"#], "[null, 4, 3]",
             "layer 'pad' (ZeroPadding1D): 'padding' = 4503599627370496 in its config"),
            ("input", [#"{"class_name": "Flatten", "config": {"name": "flat"}}"#], "[null, 1099511627776, 1099511627776]",
             "layer 'flat' (Flatten): its input (None, 1099511627776, 1099511627776) holds more than 2,147,483,648 values per sample"),
        ]
        let before = Self.maxRSSKilobytes()
        for (name, layers, input, needle) in cases {
            let path = try Self.write(name, layers: layers, input: input)
            defer { unlink(path) }
            for args in [[path], [path, "--verify"], [path, "--json"], [path, "--dot"]] {
                let o = TestSupport.run(args)
                XCTAssertEqual(o.code, 1, "\(name) \(args): \(o.stderr)")
            }
            let o = TestSupport.run([path])
            XCTAssertTrue(o.stderr.contains(needle), "\(name): \(o.stderr)\n\(o.stdout)")
        }
        XCTAssertLessThan(Self.maxRSSKilobytes() - before, 256 * 1024, "a hostile size was allocated")
    }

    /// The same layers at honest sizes are built by SeqNN and shown with their shapes and counts.
    func testHonestSizesAreBuilt() throws {
        let path = try Self.write("honest", layers: [Self.dense("small", "3")], input: "[null, 4]")
        defer { unlink(path) }
        let r = try ModelReport.read(path)
        XCTAssertEqual(r.layers.first?.outputShape, [3])
        XCTAssertEqual(r.layers.first?.expectedParams, 15)
        XCTAssertTrue(r.layers.first?.seqnnCanRun ?? false)
    }
}
