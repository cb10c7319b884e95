import XCTest
@testable import SeqNN

#if canImport(Glibc)
import Glibc
#endif

/// Reading the committed fixtures: .h5 files written by real Keras (tools/fixtures/h5/make_files.py) with
/// JSON sidecars holding what Keras computed for them.
enum Fixtures {
    static let root = String(#filePath).split(separator: "/").dropLast().joined(separator: "/") + "/Fixtures"

    static func path(_ relative: String) -> String { "/\(root)/\(relative)" }

    static func files(in dir: String, suffix: String) -> [String] {
        guard let d = opendir(path(dir)) else { return [] }
        defer { closedir(d) }
        var out = [String]()
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(suffix) { out.append(name) }
        }
        return out.sorted()
    }

    static func json(_ relative: String) throws -> JSON {
        guard let f = fopen(path(relative), "rb") else { throw SeqNNError(.io, "cannot open \(relative)") }
        defer { fclose(f) }
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return try JSON.parse(String(decoding: bytes, as: UTF8.self))
    }

    static func array(_ j: JSON?) -> (shape: [Int], values: [Float])? {
        guard let j, let v = j["values"]?.array else { return nil }
        return ((j["shape"]?.intList ?? []).map { $0 ?? 0 }, v.map { Float($0.number ?? .nan) })
    }

    /// Per-layer weight lists as stored in sidecars: [[{"shape", "values"}, ...], ...] flattened.
    static func weights(_ j: JSON?) -> [[Float]] {
        (j?.array ?? []).flatMap { ($0.array ?? []).compactMap { array($0)?.values } }
    }

    static func weights(_ m: Sequential) throws -> [[Float]] {
        try m.layers.indices.flatMap { li in try m.layers[li].parameters.indices.map { try m.weight(layer: li, index: $0).array } }
    }

    static func maxDiff(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// Keras parity tolerance (ARCHITECTURE §5): 1e-5 absolute plus 1e-4 relative.
    static func close(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 + 1e-4 * abs($1) }
    }
}
