import SeqNN

/// A model file as a plain tree of groups, string attributes and numeric arrays: everything `ModelFile` reads,
/// taken out of the file once by `H5Snapshot` (in the reader process, or in-process on the trusted path) and
/// decoded here by bounded Swift code. Nothing in this file calls libhdf5: a hostile file can at worst make
/// `decode` refuse the description, never make the caller's process run libhdf5 on its bytes.
package final class H5Tree: @unchecked Sendable {
    /// The values of a dataset as the snapshot carries them: float32 (float16/32 in the file), float64,
    /// int64 (any integer type), or none for strings and other non-numeric types.
    enum Storage {
        case none, f32([Float]), f64([Double]), i64([Int64])
    }

    enum Attribute {
        case strings([String])
        /// A non-string attribute: only its element count and type matter (an empty float64 `weight_names`).
        case other(count: Int, dtype: String)
    }

    final class Node {
        let path: String
        let isGroup: Bool
        var children: [String] = []
        var attributes: [String: Attribute] = [:]
        var shape: [Int] = []
        var dtype = ""
        var storage = Storage.none
        init(path: String, isGroup: Bool) { self.path = path; self.isGroup = isGroup }
    }

    /// Absolute path ("/", "/model_weights/dense") -> node; children in the file's name order.
    private(set) var nodes: [String: Node] = ["/": Node(path: "/", isGroup: true)]
    /// A `.keras` archive's JSON entries (config.json, metadata.json) and the names of all its entries.
    private(set) var archiveEntries: [String: [UInt8]] = [:]
    private(set) var archiveNames: [String]?
    /// Bytes of arrays and strings the tree holds (what the load budget is charged for it).
    private(set) var payloadBytes = 0

    var root: H5TreeGroup { H5TreeGroup(tree: self, path: "/") }

    static func join(_ parent: String, _ name: String) -> String { parent == "/" ? "/" + name : parent + "/" + name }

    func node(_ path: String) -> Node? { nodes[path] }

    // MARK: Decoding (bounded)

    enum Record: UInt8 {
        case group = 0x47 /* G */, dataset = 0x44 /* D */, attribute = 0x54 /* T */, archiveEntry = 0x41 /* A */
        case archiveNames = 0x5A /* Z */, end = 0x45 /* E */, error = 0x58 /* X */
    }
    static let magic = Array("SEQNNSN1".utf8)
    static let maxDepth = 64, maxNodes = 2_000_000, maxName = 1 << 16

    /// Decodes what `H5Snapshot` wrote. A description that is not well formed (which only a broken or
    /// subverted reader process could produce) is refused; an error record becomes the reader's error.
    static func decode(_ bytes: [UInt8], file: String) throws -> H5Tree {
        var r = Reader(bytes: bytes, file: file)
        guard bytes.count >= magic.count, Array(bytes.prefix(magic.count)) == magic else { throw r.bad("no header") }
        r.pos = magic.count
        let tree = H5Tree()
        while true {
            guard let rec = Record(rawValue: try r.u8()) else { throw r.bad("unknown record") }
            switch rec {
            case .end:
                guard r.pos == bytes.count else { throw r.bad("data after the end") }
                return tree
            case .error:
                let kind = SeqNNError.Kind(rawValue: Int32(truncatingIfNeeded: try r.u32())) ?? .format
                throw SeqNNError(kind, try r.string())
            case .archiveEntry:
                let name = try r.string()
                let n = try r.count(1)
                tree.archiveEntries[name] = Array(bytes[r.pos..<(r.pos + n)])
                r.pos += n
                tree.payloadBytes += n
            case .archiveNames:
                let n = try r.count(4)
                tree.archiveNames = try (0..<n).map { _ in try r.string() }
            case .group, .dataset:
                let path = try r.string()
                let node = Node(path: path, isGroup: rec == .group)
                try tree.insert(node, &r)
                if rec == .dataset { try r.datasetBody(node, &tree.payloadBytes) }
            case .attribute:
                let owner = try r.string(), name = try r.string()
                guard let node = tree.nodes[owner], node.isGroup else { throw r.bad("attribute of unknown group \(owner)") }
                if try r.u8() == 0 {
                    let n = try r.count(4)
                    node.attributes[name] = .strings(try (0..<n).map { _ in
                        let s = try r.string()
                        tree.payloadBytes += s.utf8.count
                        return s
                    })
                } else {
                    let count = Int(clamping: try r.u64())
                    node.attributes[name] = .other(count: count, dtype: try r.string())
                }
            }
        }
    }

    private func insert(_ node: Node, _ r: inout Reader) throws {
        let parts = node.path.split(separator: "/", omittingEmptySubsequences: false)
        guard node.path.hasPrefix("/"), parts.count >= 2, parts.count <= Self.maxDepth + 1, !parts.dropFirst().contains(where: \.isEmpty) else {
            throw r.bad("bad object path '\(node.path.prefix(200))'")
        }
        guard nodes[node.path] == nil, nodes.count < Self.maxNodes else { throw r.bad("duplicate object \(node.path.prefix(200)) or too many objects") }
        let parentPath = parts.count == 2 ? "/" : parts.dropLast().joined(separator: "/")
        guard let parent = nodes[parentPath], parent.isGroup else { throw r.bad("object \(node.path.prefix(200)) outside any group") }
        parent.children.append(String(parts.last!))
        nodes[node.path] = node
    }

    struct Reader {
        let bytes: [UInt8]
        let file: String
        var pos = 0

        func bad(_ why: String) -> SeqNNError {
            SeqNNError(.format, "'\(file)': the reader's description of the file is malformed (\(why)); the file is damaged or hostile")
        }
        mutating func u8() throws -> UInt8 {
            guard pos < bytes.count else { throw bad("truncated") }
            pos += 1
            return bytes[pos - 1]
        }
        mutating func u32() throws -> UInt32 {
            guard bytes.count - pos >= 4 else { throw bad("truncated") }
            var v: UInt32 = 0
            for i in 0..<4 { v |= UInt32(bytes[pos + i]) << (8 * i) }
            pos += 4
            return v
        }
        mutating func u64() throws -> UInt64 {
            guard bytes.count - pos >= 8 else { throw bad("truncated") }
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(bytes[pos + i]) << (8 * i) }
            pos += 8
            return v
        }
        /// A count of items of at least `unit` bytes each, which must fit in what is left.
        mutating func count(_ unit: Int) throws -> Int {
            let n = try u64()
            guard n <= UInt64(bytes.count - pos) / UInt64(unit) else { throw bad("a count of \(n) passes the end") }
            return Int(n)
        }
        mutating func string() throws -> String {
            let n = try count(1)
            guard n <= max(H5Tree.maxName, bytes.count) else { throw bad("string too long") }
            let s = String(decoding: bytes[pos..<(pos + n)], as: UTF8.self)
            pos += n
            return s
        }
        mutating func datasetBody(_ node: Node, _ payload: inout Int) throws {
            node.dtype = try string()
            let rank = Int(try u8())
            guard rank <= 32 else { throw bad("rank \(rank)") }
            node.shape = try (0..<rank).map { _ in Int(clamping: try u64()) }
            let kind = try u8()
            if kind == 0 { return }
            let unit = kind == 1 ? 4 : 8
            guard kind <= 3 else { throw bad("storage kind \(kind)") }
            let n = try count(unit)
            var declared = 1
            for d in node.shape {
                let (p, o) = declared.multipliedReportingOverflow(by: d)
                guard !o else { throw bad("shape overflow") }
                declared = p
            }
            guard declared == n else { throw bad("\(node.path): \(n) values for shape \(node.shape)") }
            let raw = bytes[pos..<(pos + n * unit)]
            pos += n * unit
            payload += n * unit
            // Copied, not bound: records are packed, so values sit at any alignment.
            switch kind {
            case 1: node.storage = .f32(copyValues(raw, n))
            case 2: node.storage = .f64(copyValues(raw, n))
            default: node.storage = .i64(copyValues(raw, n))
            }
        }
    }
}

private func copyValues<T: BitwiseCopyable>(_ raw: ArraySlice<UInt8>, _ n: Int) -> [T] {
    [T](unsafeUninitializedCapacity: n) { buf, done in
        raw.withUnsafeBytes { UnsafeMutableRawBufferPointer(buf).copyMemory(from: $0) }
        done = n
    }
}

/// A group of an `H5Tree`, with the operations `ModelFile` and `OptimizerState` read a file through (the
/// reading half of what `H5Group` offers over libhdf5).
struct H5TreeGroup {
    let tree: H5Tree
    /// The path for messages and lookups ("/model_weights/dense").
    let path: String

    func child(_ name: String) -> String { H5Tree.join(path, name) }

    /// The absolute path of a relative, possibly nested name (empty components ignored).
    func resolve(_ name: String) -> String {
        name.split(separator: "/").reduce(path) { H5Tree.join($0, String($1)) }
    }

    func has(_ name: String) -> Bool { !name.split(separator: "/").isEmpty && tree.node(resolve(name)) != nil }

    func group(_ name: String) throws -> H5TreeGroup {
        guard let n = tree.node(resolve(name)), n.isGroup else { throw SeqNNError(.format, "group \(child(name)) is missing") }
        return H5TreeGroup(tree: tree, path: n.path)
    }

    func hasAttribute(_ name: String) -> Bool { tree.node(path)?.attributes[name] != nil }

    /// String elements of an attribute; a zero-length attribute of any type is an empty list.
    func strings(_ name: String) throws -> [String] {
        switch tree.node(path)?.attributes[name] {
        case .strings(let s)?: return s
        case .other(let count, _)? where count == 0: return []
        case .other?: throw SeqNNError(.format, "attribute '\(name)' of \(path) must hold strings; it holds another HDF5 type")
        case nil: throw SeqNNError(.format, "cannot open attribute \(name) of \(path)")
        }
    }

    /// A string attribute (a scalar, or leniently a one-element array), or nil when absent.
    func stringAttribute(_ name: String) throws -> String? {
        guard hasAttribute(name) else { return nil }
        let list = try strings(name)
        guard list.count == 1 else { throw SeqNNError(.format, "attribute '\(name)' of \(path) must be one string; it holds \(list.count)") }
        return list[0]
    }

    /// A name-list attribute (`layer_names`, `weight_names`), with Keras's split form NAME0, NAME1, ...
    func nameList(_ name: String) throws -> [String]? {
        if hasAttribute(name) { return try strings(name) }
        guard hasAttribute(name + "0") else { return nil }
        var out = [String]()
        var i = 0
        while hasAttribute("\(name)\(i)") {
            out += try strings("\(name)\(i)")
            i += 1
        }
        return out
    }

    func dataset(_ name: String) throws -> H5Tree.Node {
        guard let n = tree.node(resolve(name)), !n.isGroup else { throw SeqNNError(.format, "dataset \(child(name)) is missing") }
        return n
    }

    /// A float dataset as float32 (any float or integer type in the file).
    func floats(_ name: String) throws -> (shape: [Int], values: [Float]) {
        let n = try dataset(name)
        let count = Int(clamping: n.shape.reduce(UInt64(1)) { $0.multipliedReportingOverflow(by: UInt64(max($1, 0))).overflow ? .max : $0 * UInt64(max($1, 0)) })
        guard count <= 1 << 31 else { throw SeqNNError(.format, "dataset \(n.path) has \(count) elements, more than SeqNN accepts") }
        switch n.storage {
        case .f32(let v): return (n.shape, v)
        case .f64(let v): return (n.shape, v.map { Float($0) })
        case .i64(let v): return (n.shape, v.map { Float($0) })
        case .none: throw SeqNNError(.format, "dataset \(n.path) must hold numbers; it holds another HDF5 type")
        }
    }

    /// A dataset's values as Double (float16/32/64 and integers alike).
    func doubles(_ name: String) throws -> (shape: [Int], values: [Double]) {
        let n = try dataset(name)
        switch n.storage {
        case .f32(let v): return (n.shape, v.map { Double($0) })
        case .f64(let v): return (n.shape, v)
        case .i64(let v): return (n.shape, v.map { Double($0) })
        case .none: throw SeqNNError(.format, "dataset \(n.path) holds \(n.dtype) values, not numbers")
        }
    }

    /// An integer scalar (Keras's optimizer `iteration`).
    func int64(_ name: String) throws -> Int64 {
        let n = try dataset(name)
        switch n.storage {
        case .i64(let v) where v.count == 1: return v[0]
        case .f32(let v) where v.count == 1: return try Self.integral(Double(v[0]), n.path)
        case .f64(let v) where v.count == 1: return try Self.integral(v[0], n.path)
        default: throw SeqNNError(.format, "dataset \(n.path) must be a numeric scalar")
        }
    }

    static func integral(_ x: Double, _ path: String) throws -> Int64 {
        guard x.isFinite, abs(x) < 9.2e18 else { throw SeqNNError(.format, "dataset \(path) holds \(x), not an integer count") }
        return Int64(x)
    }
}
