// The Swift status table (SeqNNError.Kind plus SeqNNError.ok) against the source of truth, the
// `seqnn_status` enum of Include/seqnn.h, read from the checkout: same names, same numbers, nothing
// missing or extra. The C layer returns `kind.rawValue` as the status and seqnn_status_string reads
// `statusText`, so this is what keeps C callers and Swift errors in agreement.
import Testing
@testable import SeqNN

#if canImport(Glibc)
import Glibc
#endif

struct StatusTableTests {
    /// Include/seqnn.h, found from this file's place in the checkout (Tests/SeqNNTests/ -> repository root).
    static func header() throws -> String {
        let root = String(#filePath).split(separator: "/", omittingEmptySubsequences: false).dropLast(3)
            .joined(separator: "/")
        return try KerasParityTests.readText(root + "/Include/seqnn.h")
    }

    /// (name, value) of every enumerator of `typedef enum seqnn_status { ... }`, in the header's order.
    /// Comments are removed first, so enumerators mentioned in a comment do not count.
    static func headerStatuses(_ text: String) throws -> [(String, Int32)] {
        var code = ""
        var rest = Substring(text)
        while let open = rest.range(of: "/*") {
            code += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "*/") else { break }
            rest = rest[close.upperBound...]
        }
        code += rest
        guard let start = code.range(of: "typedef enum seqnn_status"),
              let brace = code[start.upperBound...].firstIndex(of: "{"),
              let end = code[brace...].firstIndex(of: "}") else {
            throw SeqNNError(.format, "seqnn.h has no `typedef enum seqnn_status { ... }`")
        }
        return try code[code.index(after: brace)..<end].split(separator: ",").compactMap { item in
            let parts = item.split(separator: "=").map { $0.trimmingCharacters() }
            if parts.count == 1 && parts[0].isEmpty { return nil }   // a trailing comma
            guard parts.count == 2, let value = Int32(parts[1]) else {
                throw SeqNNError(.format, "seqnn_status: '\(item)' is not NAME = number (every value is written out)")
            }
            return (parts[0], value)
        }
    }

    static var swiftStatuses: [(String, Int32)] {
        [(SeqNNError.ok.statusName, SeqNNError.ok.code)] + SeqNNError.Kind.allCases.map { ($0.statusName, $0.rawValue) }
    }

    @Test func headerEnumIsRead() throws {
        let statuses = try Self.headerStatuses(Self.header())
        // Independent of the Swift table: the header's first and last entries as the C manual states them.
        #expect(statuses.first! == ("SEQNN_OK", 0))
        #expect(statuses.contains { $0 == ("SEQNN_INTERNAL_ERROR", 13) })
        #expect(statuses.count >= 14)
    }

    @Test func swiftTableMatchesTheHeader() throws {
        let header = try Self.headerStatuses(Self.header())
        let swift = Self.swiftStatuses
        let headerByName = Dictionary(header.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        let swiftByName = Dictionary(swift.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        #expect(headerByName.count == header.count, "a name appears twice in seqnn.h")
        #expect(swiftByName.count == swift.count, "a name appears twice in the Swift table")
        for (name, value) in header {
            #expect(swiftByName[name] == value, "seqnn.h: \(name) = \(value); Swift: \(swiftByName[name].map { "\($0)" } ?? "missing")")
        }
        for (name, value) in swift where headerByName[name] == nil {
            Issue.record("the Swift table has \(name) = \(value), which seqnn.h does not declare")
        }
        #expect(Set(header.map(\.1)).count == header.count, "two statuses share a number in seqnn.h")
    }

    @Test func everyStatusHasItsOwnText() {
        let texts = [SeqNNError.ok.statusText.description] + SeqNNError.Kind.allCases.map { $0.statusText.description }
        #expect(Set(texts).count == texts.count, "seqnn_status_string would not tell two statuses apart")
        #expect(!texts.contains { $0.isEmpty || $0 == "unknown status" })
    }

    @Test func rawValueRoundTrips() {
        for kind in SeqNNError.Kind.allCases { #expect(SeqNNError.Kind(rawValue: kind.rawValue) == kind) }
        #expect(SeqNNError.Kind(rawValue: SeqNNError.ok.code) == nil, "SEQNN_OK must not be an error kind")
    }
}

private extension Substring {
    func trimmingCharacters() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
