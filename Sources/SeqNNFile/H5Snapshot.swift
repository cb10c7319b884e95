#if canImport(Glibc)
import Glibc
#endif
import CSeqNNHDF5
import SeqNN

/// The one place libhdf5 reads a model file: it walks the file (or a `.keras` archive's `model.weights.h5`)
/// and writes what `ModelFile` needs as an `H5Tree` description — groups, their string attributes, numeric
/// datasets as float32/float64/int64 — to a byte sink. By default this runs in the `seqnn-reader` process
/// (`ReaderProcess`), where a crash or hang of libhdf5 on a damaged or hostile file costs nothing but that
/// process; on the trusted path it runs in-process and the same bytes are decoded.
///
/// Hostile but valid files are refused here, before any of their data is read: links that are not hard links
/// (an external link names another file; soft links can form cycles), datasets whose storage lies outside the
/// file (external storage lists, virtual datasets), groups reachable twice (hard-link cycles), and arrays
/// whose declared size passes the load budget. Filter plugins are never loaded (a file could name one and
/// have libhdf5 search the disk for code).
enum H5Snapshot {
    /// Where the description goes: kept in memory, or streamed to a pipe in the reader process.
    final class Sink {
        var buffer: [UInt8] = H5Tree.magic
        let fd: Int32
        init(fd: Int32 = -1) { self.fd = fd }

        func u8(_ v: UInt8) { buffer.append(v) }
        func u32(_ v: UInt32) { for i in 0..<4 { buffer.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
        func u64(_ v: UInt64) { for i in 0..<8 { buffer.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
        func string(_ s: String) { u64(UInt64(s.utf8.count)); buffer.append(contentsOf: s.utf8) }
        func raw(_ p: UnsafeRawBufferPointer) throws {
            if fd >= 0 { try flush(); try writeAll(p) } else { buffer.append(contentsOf: p) }
        }
        func flush() throws {
            guard fd >= 0, !buffer.isEmpty else { return }
            try buffer.withUnsafeBytes { try writeAll($0) }
            buffer.removeAll(keepingCapacity: true)
        }
        private func writeAll(_ p: UnsafeRawBufferPointer) throws {
            var off = 0
            while off < p.count {
                let n = write(fd, p.baseAddress! + off, p.count - off)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw SeqNNError(.io, "the reader process cannot write its result (\(String(cString: strerror(errno))))") }
                off += n
            }
        }
        func error(_ e: SeqNNError) {
            u8(H5Tree.Record.error.rawValue)
            u32(UInt32(bitPattern: e.kind.rawValue))
            string(e.message)
        }
    }

    /// Where progress goes in the reader process (-1: nowhere): the parent names the last step when the
    /// reader crashes or hangs.
    nonisolated(unsafe) static var progressFD: Int32 = -1

    static func step(_ what: @autoclosure () -> String) {
        guard progressFD >= 0 else { return }
        var line = Array(what().utf8.prefix(400))
        line.append(0x0A)
        _ = line.withUnsafeBytes { write(progressFD, $0.baseAddress, $0.count) }
    }

    /// Describes the model file at `path` into `sink`, holding at most `budget` bytes of arrays and strings.
    /// Errors are thrown; the caller turns them into an error record or rethrows.
    static func describe(_ path: String, budget: Int, into sink: Sink) throws {
        H5.enter()
        H5PLset_loading_state(0)
        var left = budget
        if ZipArchive.looksLikeZip(path) {
            step("reading the zip directory of the .keras archive")
            let (entries, names) = try ZipArchive.read(path, wanted: KerasArchive.limits)
            sink.u8(H5Tree.Record.archiveNames.rawValue)
            sink.u64(UInt64(names.count))
            names.forEach(sink.string)
            for (name, bytes) in entries.sorted(by: { $0.key < $1.key }) where name != KerasArchive.weightsName {
                sink.u8(H5Tree.Record.archiveEntry.rawValue)
                sink.string(name)
                sink.u64(UInt64(bytes.count))
                try bytes.withUnsafeBytes { try sink.raw($0) }
            }
            if let weights = entries[KerasArchive.weightsName] {
                left -= weights.count * 2   // the image, and libhdf5's copy of it
                guard left >= 0 else { throw overBudget("'\(path)'/model.weights.h5", weights.count * 2, budget) }
                step("opening model.weights.h5 inside the archive")
                let file = try H5File.openImage(weights, name: "'\(path)'/model.weights.h5")
                step("checking SeqNN's checksums of model.weights.h5")
                _ = try ContentChecksums.verify(file.root, budget: max(weights.count, 1 << 20), what: "'\(path)' (model.weights.h5)")
                var walker = Walker(sink: sink, left: left, budget: budget, file: "'\(path)'/model.weights.h5")
                try walker.group(file.root, depth: 0)
            }
        } else {
            step("opening the HDF5 file")
            let file = try H5File.open(path)
            step("checking SeqNN's checksums")
            _ = try ContentChecksums.verify(file.root, budget: max(fileSizeOf(path), 1 << 20), what: "'\(path)'")
            var walker = Walker(sink: sink, left: left, budget: budget, file: "'\(path)'")
            try walker.group(file.root, depth: 0)
        }
        sink.u8(H5Tree.Record.end.rawValue)
        try sink.flush()
    }

    static func fileSizeOf(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    static func overBudget(_ what: String, _ bytes: Int, _ budget: Int) -> SeqNNError {
        SeqNNError(.outOfMemory, "\(what) needs \(bytes) bytes, more than the load's memory limit of \(budget) bytes (seqnn_load_options.memory_limit / memory_limit=); raise it only for a file you trust")
    }

    struct Walker {
        let sink: Sink
        var left: Int
        let budget: Int
        let file: String
        var visited = Set<UInt64>()

        mutating func charge(_ bytes: Int, _ what: @autoclosure () -> String) throws {
            guard bytes <= left else { throw H5Snapshot.overBudget(what(), bytes, budget) }
            left -= bytes
        }

        mutating func group(_ g: H5Group, depth: Int) throws {
            guard depth <= H5Tree.maxDepth else { throw SeqNNError(.format, "\(file): groups nest deeper than \(H5Tree.maxDepth) at \(g.path)") }
            var info = H5O_info_t()
            if H5Oget_info2(g.id, &info, H5O_INFO_BASIC) >= 0 {
                guard visited.insert(UInt64(info.addr)).inserted else {
                    throw SeqNNError(.format, "\(file): the group \(g.path) is reachable twice (a hard-link cycle); the file is damaged or hostile")
                }
            }
            if g.path != "/" {
                sink.u8(H5Tree.Record.group.rawValue)
                sink.string(g.path)
            }
            try attributes(g)
            for (name, type) in try links(g) {
                let path = g.child(name)
                switch type {
                case H5L_TYPE_HARD: break
                case H5L_TYPE_EXTERNAL:
                    throw SeqNNError(.format, "\(file): \(path) is an external link to another file; a model file must not read outside itself, so it is refused")
                case H5L_TYPE_SOFT:
                    throw SeqNNError(.format, "\(file): \(path) is a soft link; Keras never writes them and SeqNN refuses them (they can form cycles)")
                default:
                    throw SeqNNError(.format, "\(file): \(path) is a user-defined link; refused")
                }
                step("opening \(path)")
                let o = H5Oopen(g.id, name, H5.P_DEFAULT)
                guard o >= 0 else { throw H5.fail(.format, "\(file): cannot open \(path)") }
                let kind = H5Iget_type(o)
                if kind == H5I_GROUP {
                    try group(H5Group(handle: try H5Handle(o, .group, "group \(path)"), path: path), depth: depth + 1)
                } else if kind == H5I_DATASET {
                    try dataset(try H5Handle(o, .dataset, "dataset \(path)"), path)
                } else {
                    H5Oclose(o)   // a committed datatype: nothing a model reads
                }
            }
        }

        /// The links of a group in name order, with their types, at most 100,000.
        func links(_ g: H5Group) throws -> [(String, H5L_type_t)] {
            final class Box { var items: [(String, H5L_type_t)] = [] }
            let box = Box()
            step("listing \(g.path)")
            let visit: H5L_iterate_t = { _, name, info, data in
                guard let name, let info, let data else { return 0 }
                let b = Unmanaged<Box>.fromOpaque(data).takeUnretainedValue()
                b.items.append((String(cString: name), info.pointee.type))
                return b.items.count >= 100_000 ? 1 : 0
            }
            var idx: hsize_t = 0
            let status = H5Literate(g.id, H5_INDEX_NAME, H5_ITER_INC, &idx, visit, Unmanaged.passUnretained(box).toOpaque())
            if status < 0 { throw H5.fail(.format, "\(file): cannot list the contents of \(g.path)") }
            return box.items
        }

        mutating func attributes(_ g: H5Group) throws {
            final class Box { var names: [String] = [] }
            let box = Box()
            let visit: H5A_operator2_t = { _, name, _, data in
                guard let name, let data else { return 0 }
                let b = Unmanaged<Box>.fromOpaque(data).takeUnretainedValue()
                b.names.append(String(cString: name))
                return b.names.count >= 100_000 ? 1 : 0
            }
            var idx: hsize_t = 0
            step("listing the attributes of \(g.path)")
            if H5Aiterate2(g.id, H5_INDEX_NAME, H5_ITER_INC, &idx, visit, Unmanaged.passUnretained(box).toOpaque()) < 0 {
                throw H5.fail(.format, "\(file): cannot list the attributes of \(g.path)")
            }
            for name in box.names {
                step("reading attribute '\(name)' of \(g.path)")
                let a = try g.attribute(name)
                let type = try H5Handle(H5Aget_type(a.handle.id), .datatype, "H5Aget_type on \(a.where_)")
                // Read first, then emit: an error leaves no half record before the error record.
                if H5Tget_class(type.id) == H5T_STRING {
                    let list = try a.strings()
                    try charge(list.reduce(0) { $0 + $1.utf8.count + 16 }, "attribute '\(name)' of \(g.path)")
                    emitAttribute(g.path, name)
                    sink.u8(0)
                    sink.u64(UInt64(list.count))
                    list.forEach(sink.string)
                } else {
                    let count = try a.elementCount()
                    emitAttribute(g.path, name)
                    sink.u8(1)
                    sink.u64(UInt64(count))
                    sink.string(ModelFile.dtypeName(type.id))
                }
            }
            try sink.flush()
        }

        /// What libhdf5 would hand back beyond what the file stores is fill values: a dataset declaring 2^31
        /// values with no chunks written would cost gigabytes from a few-KB file. Without compression the file
        /// must store every declared byte; with it, deflate cannot expand more than ~1032x.
        func storedMatchesDeclared(_ ds: H5Handle, _ dcpl: H5Handle, _ path: String, declared: Int) throws {
            guard declared > 1 << 16 else { return }
            let stored = Int(clamping: H5Dget_storage_size(ds.id))
            let compressed = H5Pget_nfilters(dcpl.id) > (H5Pget_filter_by_id2(dcpl.id, H5Z_FILTER_FLETCHER32, nil, nil, nil, 0, nil, nil) >= 0 ? 1 : 0)
            H5Eclear2(seqnn_h5_E_DEFAULT())
            let bound = compressed ? stored.multipliedReportingOverflow(by: 1100).partialValue + (1 << 16) : stored
            guard declared <= bound else {
                throw SeqNNError(.format, "\(file): dataset \(path) declares \(declared) bytes of values but the file stores \(stored)\(compressed ? " compressed" : ""); the file is damaged or hostile")
            }
        }

        func emitAttribute(_ owner: String, _ name: String) {
            sink.u8(H5Tree.Record.attribute.rawValue)
            sink.string(owner)
            sink.string(name)
        }

        mutating func dataset(_ ds: H5Handle, _ path: String) throws {
            step("checking the storage of dataset \(path)")
            let dcpl = try H5Handle(H5Dget_create_plist(ds.id), .plist, "H5Dget_create_plist on \(path)")
            if H5Pget_external_count(dcpl.id) > 0 {
                throw SeqNNError(.format, "\(file): dataset \(path) keeps its data in external files; a model file must not read outside itself, so it is refused")
            }
            if H5Pget_layout(dcpl.id) == H5D_VIRTUAL {
                throw SeqNNError(.format, "\(file): dataset \(path) is a virtual dataset (its data lives in other datasets or files); refused")
            }
            let type = try H5Handle(H5Dget_type(ds.id), .datatype, "H5Dget_type on \(path)")
            let space = try H5Handle(H5Dget_space(ds.id), .dataspace, "H5Dget_space on \(path)")
            let rank = H5Sget_simple_extent_ndims(space.id)
            guard rank >= 0, rank <= 32 else { throw SeqNNError(.format, "\(file): dataset \(path) has an invalid rank") }
            var d = [hsize_t](repeating: 0, count: Int(rank))
            if rank > 0 { H5Sget_simple_extent_dims(space.id, &d, nil) }
            let shape = d.map { Int(clamping: $0) }
            let cls = H5Tget_class(type.id), size = H5Tget_size(type.id)
            let kind: UInt8 = cls == H5T_FLOAT ? (size <= 4 ? 1 : 2) : cls == H5T_INTEGER ? 3 : 0
            func header() {
                sink.u8(H5Tree.Record.dataset.rawValue)
                sink.string(path)
                sink.string(ModelFile.dtypeName(type.id))
                sink.u8(UInt8(rank))
                shape.forEach { sink.u64(UInt64($0)) }
                sink.u8(kind)
            }
            guard kind != 0 else { header(); return }
            let unit = kind == 1 ? 4 : 8
            var count = 1
            for x in shape {
                let (p, o) = count.multipliedReportingOverflow(by: x)
                guard !o, p <= Int.max / 8 else { throw H5Snapshot.overBudget("dataset \(path) of shape \(shape)", .max, budget) }
                count = p
            }
            // Declared sizes are checked before anything is allocated: a few-KB file can declare 2^31 values.
            try charge(count * unit, "dataset \(path) of shape \(shape)")
            try storedMatchesDeclared(ds, dcpl, path, declared: count * size)
            let memType = kind == 1 ? seqnn_h5_T_NATIVE_FLOAT() : kind == 2 ? seqnn_h5_T_NATIVE_DOUBLE() : seqnn_h5_T_NATIVE_INT64()
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count * unit, 8), alignment: 8)
            defer { buffer.deallocate() }
            if count > 0 {
                step("reading dataset \(path) (\(count) values)")
                try H5.check(H5Dread(ds.id, memType, seqnn_h5_S_ALL(), seqnn_h5_S_ALL(), H5.P_DEFAULT, buffer.baseAddress),
                             "\(file): cannot read dataset \(path) (corrupt or truncated data?)")
            }
            header()
            sink.u64(UInt64(count))
            try sink.raw(UnsafeRawBufferPointer(rebasing: buffer[0..<(count * unit)]))
        }
    }
}
