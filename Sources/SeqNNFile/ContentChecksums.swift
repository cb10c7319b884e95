import CSeqNNHDF5
import SeqNN

/// SeqNN's own checksums over everything in the HDF5 files it writes (issue 15, item 2): one XXH64 per
/// attribute (configs, names, SeqNN's extras) and per dataset (weights, optimizer state, test batch), stored
/// as the root attribute `seqnn_checksums`, where Keras never looks. A load recomputes them, so a flipped bit
/// anywhere in the content is an error naming what changed, not a different model. HDF5 itself checks the
/// metadata (superblock v3, object header v2) and the chunked datasets (Fletcher-32); this also covers
/// what it does not: scalar datasets (optimizer iteration, learning rate), attribute heaps, and the lists of
/// what exists (an object removed or added). XXH64 finds damage; it is not a signature against forgery.
///
/// The text: a header line `seqnn-checksums 1 xxh64`, then one line per entry in HDF5's name order,
/// `<16 hex digits> <attr|data|group> <path>` (attributes as `<object path>@<name>`).
package enum ContentChecksums {
    static let attribute = "seqnn_checksums"
    static let header = "seqnn-checksums 1 xxh64"

    /// Computes the checksums of `file` and stores them on its root.
    static func store(in file: H5File) throws {
        let lines = try entries(file.root, budget: Int.max)
        try file.root.setString(attribute, ([header] + lines).joined(separator: "\n"))
    }

    package enum Status: Equatable {
        /// Every entry matched (the number of entries).
        case verified(Int)
        /// The file has no `seqnn_checksums` attribute.
        case absent
    }

    /// Recomputes and compares. `budget` bounds the bytes the file may declare (its own size: SeqNN never
    /// compresses), so a damaged size field cannot make this read gigabytes. Throws `.format` naming the first
    /// entry that differs, is missing or is not listed.
    static func verify(_ root: H5Group, budget: Int, what: String) throws -> Status {
        guard root.hasAttribute(attribute) else { return .absent }
        let stored = try root.attribute(attribute).string().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard stored.first == header else {
            throw SeqNNError(.format, "\(what): its seqnn_checksums attribute is damaged (no '\(header)' header)")
        }
        let listed = Array(stored.dropFirst())
        let actual: [String]
        do { actual = try entries(root, budget: budget) } catch let e as SeqNNError {
            throw SeqNNError(.format, "\(what) is damaged: \(e.message)")
        }
        let common = min(listed.count, actual.count)
        if let i = (0..<common).first(where: { listed[$0] != actual[$0] }) ?? (listed.count == actual.count ? nil : common) {
            throw SeqNNError(.format, "\(what) is damaged: \(difference(listed: i < listed.count ? listed[i] : nil, actual: i < actual.count ? actual[i] : nil)); SeqNN's checksums no longer match what it wrote")
        }
        return .verified(actual.count)
    }

    static func difference(listed: String?, actual: String?) -> String {
        func label(_ line: String) -> String {
            let parts = line.split(separator: " ", maxSplits: 2)
            guard parts.count == 3 else { return "'\(line.prefix(200))'" }
            let kind = parts[1] == "attr" ? "attribute" : parts[1] == "data" ? "dataset" : "group"
            return "\(kind) \(parts[2].prefix(200))"
        }
        switch (listed, actual) {
        case let (l?, a?):
            let lp = l.split(separator: " ", maxSplits: 1).last, ap = a.split(separator: " ", maxSplits: 1).last
            if lp == ap { return "the content of \(label(a)) differs from its checksum" }
            return "the file holds \(label(a)) where \(label(l)) was written"
        case let (l?, nil): return "\(label(l)) is missing"
        case let (nil, a?): return "\(label(a)) was not written by SeqNN"
        default: return "the checksum list differs"
        }
    }

    // MARK: The walk

    /// One line per attribute, dataset and group, in HDF5's name order (root attributes first, without
    /// `seqnn_checksums` itself).
    static func entries(_ root: H5Group, budget: Int) throws -> [String] {
        var out = [String](), spent = 0
        try attributes(of: root.id, path: "/", skipping: attribute, into: &out, spent: &spent, budget: budget)
        for link in try links(root) {
            let path = "/" + link.name
            guard link.hard else { throw SeqNNError(.format, "\(path) is a soft or external link, which SeqNN never writes") }
            let obj = try H5Handle(H5Oopen(root.id, link.name, H5.P_DEFAULT), .object, "cannot open \(path)")
            switch H5Iget_type(obj.id) {
            case H5I_GROUP:
                out.append(line(XXH64(), "group", path))
                try attributes(of: obj.id, path: path, skipping: nil, into: &out, spent: &spent, budget: budget)
            case H5I_DATASET:
                out.append(try dataset(obj.id, path: path, spent: &spent, budget: budget))
                try attributes(of: obj.id, path: path, skipping: nil, into: &out, spent: &spent, budget: budget)
            default:
                throw SeqNNError(.format, "\(path) is neither a group nor a dataset")
            }
        }
        return out
    }

    static func line(_ h: XXH64, _ kind: String, _ path: String) -> String {
        let hex = String(h.digest(), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + " " + kind + " " + path
    }

    /// Every link below `root`, recursively, in name order.
    static func links(_ root: H5Group) throws -> [(name: String, hard: Bool)] {
        final class Box { var links: [(String, Bool)] = [] }
        let box = Box()
        let status = H5Lvisit(root.id, H5_INDEX_NAME, H5_ITER_INC, { _, name, info, data in
            guard let name, let info, let data else { return -1 }
            Unmanaged<Box>.fromOpaque(data).takeUnretainedValue().links.append((String(cString: name), info.pointee.type == H5L_TYPE_HARD))
            return 0
        }, Unmanaged.passUnretained(box).toOpaque())
        try H5.check(status, "cannot list the objects of the file")
        return box.links
    }

    static func attributeNames(_ obj: hid_t, path: String) throws -> [String] {
        final class Box { var names: [String] = [] }
        let box = Box()
        var idx: hsize_t = 0
        let status = H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, { _, name, _, data in
            guard let name, let data else { return -1 }
            Unmanaged<Box>.fromOpaque(data).takeUnretainedValue().names.append(String(cString: name))
            return 0
        }, Unmanaged.passUnretained(box).toOpaque())
        try H5.check(status, "cannot list the attributes of \(path)")
        return box.names
    }

    static func attributes(of obj: hid_t, path: String, skipping: String?, into out: inout [String], spent: inout Int, budget: Int) throws {
        for name in try attributeNames(obj, path: path) where name != skipping {
            let where_ = "\(path)@\(name)"
            let a = try H5Handle(H5Aopen(obj, name, H5.P_DEFAULT), .attribute, "cannot open attribute \(where_)")
            let type = try H5Handle(H5Aget_type(a.id), .datatype, "H5Aget_type on \(where_)")
            let space = try H5Handle(H5Aget_space(a.id), .dataspace, "H5Aget_space on \(where_)")
            let h = try content(type: type, space: space, where_: where_, spent: &spent, budget: budget) { buffer, memType in
                try H5.check(H5Aread(a.id, memType, buffer), "cannot read attribute \(where_)")
            }
            out.append(line(h, "attr", where_))
        }
    }

    static func dataset(_ ds: hid_t, path: String, spent: inout Int, budget: Int) throws -> String {
        let dcpl = try H5Handle(H5Dget_create_plist(ds), .plist, "H5Dget_create_plist on \(path)")
        guard H5Pget_external_count(dcpl.id) == 0, H5Pget_layout(dcpl.id) != H5D_VIRTUAL else {
            throw SeqNNError(.format, "dataset \(path) keeps its data outside the file, which SeqNN never writes")
        }
        let type = try H5Handle(H5Dget_type(ds), .datatype, "H5Dget_type on \(path)")
        let space = try H5Handle(H5Dget_space(ds), .dataspace, "H5Dget_space on \(path)")
        let h = try content(type: type, space: space, where_: path, spent: &spent, budget: budget) { buffer, memType in
            try H5.check(H5Dread(ds, memType, seqnn_h5_S_ALL(), seqnn_h5_S_ALL(), H5.P_DEFAULT, buffer), "cannot read dataset \(path)")
        }
        return line(h, "data", path)
    }

    /// The checksum of an attribute's or dataset's type, shape and raw bytes (read in the file's own type, so
    /// nothing is converted). Variable-length data (which lives in an unchecked heap, and which SeqNN never
    /// writes) is refused unread.
    static func content(type: H5Handle, space: H5Handle, where_: String, spent: inout Int, budget: Int,
                        read: (UnsafeMutableRawPointer, hid_t) throws -> Void) throws -> XXH64 {
        let cls = H5Tget_class(type.id)
        guard cls == H5T_INTEGER || cls == H5T_FLOAT || (cls == H5T_STRING && H5Tis_variable_str(type.id) == 0) else {
            throw SeqNNError(.format, "\(where_) has a data type SeqNN never writes (class \(cls.rawValue))")
        }
        let size = H5Tget_size(type.id)
        let rank = H5Sget_simple_extent_ndims(space.id)
        guard size > 0, size <= 1 << 30, rank >= 0, rank <= 32 else { throw SeqNNError(.format, "\(where_) has an invalid type size or rank") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { H5Sget_simple_extent_dims(space.id, &dims, nil) }
        var count = 1
        for d in dims {
            let (c, o) = count.multipliedReportingOverflow(by: Int(clamping: d))
            guard !o else { throw SeqNNError(.format, "\(where_) declares more data than the file holds") }
            count = c
        }
        let (bytes, o1) = count.multipliedReportingOverflow(by: size)
        let (total, o2) = spent.addingReportingOverflow(bytes)
        guard !o1, !o2, total <= budget else { throw SeqNNError(.format, "\(where_) declares more data than the file holds") }
        spent = total
        var h = XXH64()
        let head = [UInt64(cls.rawValue), UInt64(size), UInt64(rank)] + dims.map { UInt64($0) }
        head.withUnsafeBytes { h.update($0) }
        if bytes > 0 {
            let memType = try H5Handle(H5Tcopy(type.id), .datatype, "H5Tcopy for \(where_)")
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 16)
            defer { buffer.deallocate() }
            try read(buffer.baseAddress!, memType.id)
            h.update(UnsafeRawBufferPointer(buffer))
        }
        return h
    }
}

/// XXH64 (Yann Collet's xxHash, 64-bit, seed 0), streaming: fast enough to check a 50 MB model in a few
/// milliseconds, and any single changed byte changes it.
struct XXH64 {
    static let p1: UInt64 = 11_400_714_785_074_694_791, p2: UInt64 = 14_029_467_366_897_019_727
    static let p3: UInt64 = 1_609_587_929_392_839_161, p4: UInt64 = 9_650_029_242_287_828_579
    static let p5: UInt64 = 2_870_177_450_012_600_261
    var v: (UInt64, UInt64, UInt64, UInt64) = (p1 &+ p2, p2, 0, 0 &- p1)
    var total: UInt64 = 0
    var buffer = [UInt8]()

    static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
    static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 { rotl(acc &+ input &* p2, 31) &* p1 }
    static func merge(_ acc: UInt64, _ val: UInt64) -> UInt64 { (acc ^ round(0, val)) &* p1 &+ p4 }

    mutating func update(_ data: UnsafeRawBufferPointer) {
        total &+= UInt64(data.count)
        var i = 0
        if !buffer.isEmpty {
            let take = min(32 - buffer.count, data.count)
            buffer += data[0..<take]
            i = take
            guard buffer.count == 32 else { return }
            buffer.withUnsafeBytes { stripe($0.baseAddress!) }
            buffer.removeAll(keepingCapacity: true)
        }
        while data.count - i >= 32 { stripe(data.baseAddress! + i); i += 32 }
        buffer += data[i...]
    }

    private mutating func stripe(_ p: UnsafeRawPointer) {
        v.0 = Self.round(v.0, p.loadUnaligned(as: UInt64.self).littleEndian)
        v.1 = Self.round(v.1, p.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian)
        v.2 = Self.round(v.2, p.loadUnaligned(fromByteOffset: 16, as: UInt64.self).littleEndian)
        v.3 = Self.round(v.3, p.loadUnaligned(fromByteOffset: 24, as: UInt64.self).littleEndian)
    }

    func digest() -> UInt64 {
        var h: UInt64
        if total >= 32 {
            h = Self.rotl(v.0, 1) &+ Self.rotl(v.1, 7) &+ Self.rotl(v.2, 12) &+ Self.rotl(v.3, 18)
            h = Self.merge(h, v.0); h = Self.merge(h, v.1); h = Self.merge(h, v.2); h = Self.merge(h, v.3)
        } else {
            h = v.2 &+ Self.p5
        }
        h &+= total
        var i = 0
        let b = buffer
        while b.count - i >= 8 {
            var k: UInt64 = 0
            for j in 0..<8 { k |= UInt64(b[i + j]) << (8 * UInt64(j)) }
            h ^= Self.round(0, k)
            h = Self.rotl(h, 27) &* Self.p1 &+ Self.p4
            i += 8
        }
        if b.count - i >= 4 {
            var k: UInt64 = 0
            for j in 0..<4 { k |= UInt64(b[i + j]) << (8 * UInt64(j)) }
            h ^= k &* Self.p1
            h = Self.rotl(h, 23) &* Self.p2 &+ Self.p3
            i += 4
        }
        while i < b.count {
            h ^= UInt64(b[i]) &* Self.p5
            h = Self.rotl(h, 11) &* Self.p1
            i += 1
        }
        h ^= h >> 33; h &*= Self.p2; h ^= h >> 29; h &*= Self.p3; h ^= h >> 32
        return h
    }
}
