// The JSON reader/writer: round trips, Python's json output (NaN, Infinity, \u escapes), and malformed
// input, which must give a `.format` error and never crash (crashes are caught with exit tests).
import Testing
@testable import SeqNN

struct JSONTests {
    static let sample: JSON = .object([
        ("name", "sequential"),
        ("layers", .array([
            .object([("class_name", "Dense"), ("config", .object([
                ("units", 32), ("activation", "relu"), ("use_bias", true), ("bias_regularizer", nil),
                ("batch_input_shape", .array([nil, 784])), ("rate", 0.1), ("tiny", 1e-7), ("huge", 1.5e300), ("neg", -3.25),
            ]))]),
            .array([]), .object([]), .array([.array([.array([1, 2]), "x"])]),
        ])),
        ("text", .string("quote \" backslash \\ slash / newline \n tab \t cr \r control \u{01}\u{1F} del \u{7F}")),
        ("unicode", .string("é 日本語 😀 \u{2028}")),
        ("", .string("")),
    ])

    @Test func printThenParseRoundTrips() throws {
        let text = JSONTests.sample.description
        let back = try JSON.parse(text)
        #expect(back == JSONTests.sample)
        #expect(back.description == text, "printing is stable")
        // Object key order is kept.
        #expect(back.object?.map(\.0) == ["name", "layers", "text", "unicode", ""])
    }

    @Test func writesLikePythonJsonDumps() throws {
        let j: JSON = .object([("a", .array([1, 2.5, -0.125, true, nil])), ("b", "x")])
        #expect(j.description == "{\"a\": [1, 2.5, -0.125, true, null], \"b\": \"x\"}")
        #expect(JSON.string("a\"b\\c\nd\u{01}").description == "\"a\\\"b\\\\c\\nd\\u0001\"")
        #expect(JSON.number(.nan).description == "NaN")
        #expect(JSON.number(.infinity).description == "Infinity")
        #expect(JSON.number(-.infinity).description == "-Infinity")
        #expect(JSON.number(32).description == "32")
        #expect(try JSON.parse(JSON.number(0.1).description) == .number(0.1))
        #expect(try JSON.parse(JSON.number(1e-7).description) == .number(1e-7))
    }

    @Test func readsPythonJsonOutput() throws {
        // json.dumps({"a": [1, 2.5, -3e-07, float("nan"), float("inf"), -float("inf")], "s": "é😀\n"})
        let text = #"{"a": [1, 2.5, -3e-07, NaN, Infinity, -Infinity], "s": "\u00e9\ud83d\ude00\n", "t": "\/\b\f\r\t"}"#
        let j = try JSON.parse(text)
        let a = try #require(j["a"]?.array)
        #expect(a.count == 6)
        #expect(a[0] == 1 && a[1] == 2.5 && a[2] == .number(-3e-7))
        #expect(a[3].number?.isNaN == true)
        #expect(a[4].number == .infinity && a[5].number == -.infinity)
        #expect(j["s"]?.string == "é😀\n")
        #expect(j["t"]?.string == "/\u{08}\u{0C}\r\t")
        #expect(j["missing"] == nil)
        // Raw UTF-8 and whitespace everywhere.
        let k = try JSON.parse(" \n\t{ \"ключ\" :\r[ 1 ,\"日本\" ] } \n")
        #expect(k["ключ"]?.array?[1].string == "日本")
        // Numbers in the forms Keras writes.
        #expect(try JSON.parse("[0, -0.5, 1E3, 2e+2, 32.0]") == .array([0, -0.5, 1000, 200, 32]))
        #expect(try JSON.parse("32.0").int == 32)
        #expect(try JSON.parse("32.5").int == nil)
        #expect(try JSON.parse("[null, 784]").intList == [nil, 784])
    }

    @Test(arguments: [
        "", "   ", "{", "[", "[1,", "[1 2]", "[1,]", "{\"a\" 1}", "{\"a\":}", "{\"a\":1,}", "{1: 2}", "{\"a\":1 \"b\":2}",
        "tru", "nul", "fals", "Nan", "Infinit", "-", "1.2.3", "--1", "\"abc", "\"\\u12\"", "\"\\uZZZZ\"", "\"\\",
        "[1]x", "{}{}", "\"a\" \"b\"", "[1]]", "}", "]", ":", ",", "'single'", "{\"a\": [}",
    ])
    func malformedInputIsAFormatError(_ text: String) {
        let e = expectSeqNNError(.format) { _ = try JSON.parse(text) }
        #expect(e?.message.contains("offset") == true, "the message gives the offset: \(e?.message ?? "")")
    }

    @Test func everyTruncationOfAValidDocumentIsAnError() throws {
        let text = JSONTests.sample.description
        var count = 0
        for cut in 0..<text.utf8.count {
            let prefix = String(decoding: Array(text.utf8)[0..<cut], as: UTF8.self)
            do { _ = try JSON.parse(prefix); Issue.record("prefix of \(cut) bytes parsed: \(prefix)") } catch let e as SeqNNError {
                #expect(e.kind == .format); count += 1
            }
        }
        #expect(count == text.utf8.count)
    }

    @Test func deepNestingIsRefusedNotOverflowed() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let e = expectSeqNNError(.format) { _ = try JSON.parse(deep) }
        #expect(e?.message.contains("deep") == true)
        let objects = String(repeating: "{\"a\":", count: 50_000) + "1" + String(repeating: "}", count: 50_000)
        expectSeqNNError(.format) { _ = try JSON.parse(objects) }
        // A realistic depth is fine.
        let ok = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(try JSON.parse(ok).array != nil)
    }

    @Test func accessorsAndSetting() throws {
        let j = try JSON.parse("{\"a\": 1, \"b\": \"x\", \"c\": [1, 2], \"d\": null, \"e\": false}")
        #expect(j["a"]?.int == 1 && j["b"]?.string == "x" && j["c"]?.array?.count == 2 && j["d"]?.isNull == true && j["e"]?.bool == false)
        #expect(j["b"]?.number == nil && j["a"]?.string == nil && JSON.number(1e20).int == nil)
        let k = j.setting("a", 5).setting("z", "new")
        #expect(k["a"] == 5 && k["z"] == "new" && k.object?.count == 6 && k.object?.first?.0 == "a")
        #expect(JSON.number(784).intList == [784])
    }

    /// A high surrogate escape followed by an escape that is not a low surrogate ("\ud800\u0041") must not
    /// trap: JSONParser.string computes `low - 0xDC00` in UInt32 (JSON.swift:142), which overflows.
    @Test func surrogateEscapeThatIsNotAPairDoesNotCrash() async {
        await #expect(processExitsWith: .success) {
            _ = try? JSON.parse("\"\\ud800\\u0041\"")
        }
        await #expect(processExitsWith: .success) {
            _ = try? JSON.parse("\"\\udbff\\ud800\"")
        }
    }

    /// Random byte-level corruptions of a valid config never crash the parser (run in a child process).
    @Test func mutatedDocumentsNeverCrash() async {
        await #expect(processExitsWith: .success) {
            let base = Array(JSONTests.sample.description.utf8) + Array(#"["\u00e9\ud83d\ude00", NaN, -Infinity, 1e-7]"#.utf8)
            let alphabet = Array(#"{}[]":,\u0123456789abcdefABCDEF.eE+-NaInfity rl \#t"#.utf8) + [0x00, 0xFF, 0xC3, 0xA9]
            var g = SeededGenerator(seed: 2024)
            for _ in 0..<20_000 {
                var bytes = base
                for _ in 0..<(1 + Int(g.next() % 4)) {
                    let at = Int(g.next() % UInt64(bytes.count))
                    switch g.next() % 3 {
                    case 0: bytes[at] = alphabet[Int(g.next() % UInt64(alphabet.count))]
                    case 1: bytes.remove(at: at)
                    default: bytes.insert(alphabet[Int(g.next() % UInt64(alphabet.count))], at: at)
                    }
                }
                _ = try? JSON.parse(String(decoding: bytes, as: UTF8.self))
            }
        }
    }
}
