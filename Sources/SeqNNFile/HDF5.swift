import CSeqNNHDF5
import SeqNN

/// A thin layer over libhdf5: one Swift function per HDF5 operation SeqNN needs, each turning HDF5's
/// negative return codes into a `SeqNNError` that carries HDF5's own error-stack text and the object path.
/// HDF5 never prints (errors are silenced on every thread that enters here) and handles are closed by
/// `deinit`, so an error path cannot leak them.
enum H5 {
    static var P_DEFAULT: hid_t { seqnn_h5_P_DEFAULT() }

    /// Silences HDF5's stderr printing on the calling thread and clears its error stack.
    static func enter() {
        seqnn_h5_silence()
        H5Eclear2(seqnn_h5_E_DEFAULT())
    }

    /// The text of HDF5's current error stack, innermost cause first, on one line.
    static func errorText() -> String {
        final class Box { var parts: [String] = [] }
        let box = Box()
        let walker: H5E_walk2_t = { _, err, data in
            guard let err, let data else { return 0 }
            let b = Unmanaged<Box>.fromOpaque(data).takeUnretainedValue()
            let fn = err.pointee.func_name.map { String(cString: $0) } ?? "?"
            let desc = err.pointee.desc.map { String(cString: $0) } ?? ""
            b.parts.append("\(fn): \(desc)")
            return 0
        }
        H5Ewalk2(seqnn_h5_E_DEFAULT(), H5E_WALK_DOWNWARD, walker, Unmanaged.passUnretained(box).toOpaque())
        H5Eclear2(seqnn_h5_E_DEFAULT())
        // Some HDF5 messages hold newlines ("time = ..."); keep the message one line for C and Python callers.
        return box.parts.reversed().prefix(3).joined(separator: "; ").split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    static func fail(_ kind: SeqNNError.Kind, _ what: String) -> SeqNNError {
        let detail = errorText()
        return SeqNNError(kind, detail.isEmpty ? what : "\(what) (HDF5: \(detail))")
    }

    @discardableResult
    static func check(_ status: herr_t, _ what: @autoclosure () -> String, kind: SeqNNError.Kind = .format) throws -> herr_t {
        if status < 0 { throw fail(kind, what()) }
        return status
    }
}

/// An open HDF5 identifier, closed with the matching H5*close when released.
final class H5Handle {
    enum Kind { case file, group, dataset, attribute, dataspace, datatype, plist, object }
    let id: hid_t
    let kind: Kind

    init(_ id: hid_t, _ kind: Kind, _ what: @autoclosure () -> String, errorKind: SeqNNError.Kind = .format) throws {
        guard id >= 0 else { throw H5.fail(errorKind, what()) }
        self.id = id
        self.kind = kind
    }

    deinit {
        switch kind {
        case .file: H5Fclose(id)
        case .group: H5Gclose(id)
        case .dataset: H5Dclose(id)
        case .attribute: H5Aclose(id)
        case .dataspace: H5Sclose(id)
        case .datatype: H5Tclose(id)
        case .plist: H5Pclose(id)
        case .object: H5Oclose(id)   // H5Oopen's: a group or a dataset
        }
    }
}

/// A group (or the file's root), with the attribute and dataset operations the model file needs.
struct H5Group {
    let handle: H5Handle
    /// The path for messages ("/model_weights/dense").
    let path: String
    var id: hid_t { handle.id }

    func child(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    /// Whether `name` (a relative path, possibly nested) exists, checking each step so a missing
    /// intermediate group is "no" rather than an HDF5 error.
    func has(_ name: String) -> Bool {
        var prefix = ""
        for part in name.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += prefix.isEmpty ? String(part) : "/" + part
            if H5Lexists(id, prefix, H5.P_DEFAULT) <= 0 { H5Eclear2(seqnn_h5_E_DEFAULT()); return false }
        }
        return !prefix.isEmpty
    }

    func group(_ name: String) throws -> H5Group {
        guard has(name) else { throw SeqNNError(.format, "group \(child(name)) is missing") }
        return H5Group(handle: try H5Handle(H5Gopen2(id, name, H5.P_DEFAULT), .group, "cannot open group \(child(name))"), path: child(name))
    }

    func createGroup(_ name: String) throws -> H5Group {
        let lcpl = try H5Handle(H5Pcreate(seqnn_h5_P_LINK_CREATE()), .plist, "H5Pcreate")
        H5Pset_create_intermediate_group(lcpl.id, 1)
        return H5Group(handle: try H5Handle(H5Gcreate2(id, name, lcpl.id, H5.P_DEFAULT, H5.P_DEFAULT), .group,
                                            "cannot create group \(child(name))", errorKind: .io), path: child(name))
    }

    func hasAttribute(_ name: String) -> Bool { H5Aexists(id, name) > 0 }

    /// Attribute names (for split name lists: NAME0, NAME1, ...).
    func attribute(_ name: String) throws -> H5Attribute {
        H5Attribute(handle: try H5Handle(H5Aopen(id, name, H5.P_DEFAULT), .attribute, "cannot open attribute \(name) of \(path)"),
                    where_: "attribute '\(name)' of \(path)")
    }
}

/// An attribute being read; strings in every flavour Keras and h5py produce.
struct H5Attribute {
    let handle: H5Handle
    let where_: String

    /// The number of elements (1 for a scalar).
    func elementCount() throws -> Int {
        let space = try H5Handle(H5Aget_space(handle.id), .dataspace, "H5Aget_space on \(where_)")
        let n = H5Sget_simple_extent_npoints(space.id)
        guard n >= 0 else { throw H5.fail(.format, "cannot size \(where_)") }
        return Int(n)
    }

    /// Reads string elements: variable- or fixed-length, ASCII or UTF-8, NULLTERM/NULLPAD/SPACEPAD.
    /// A zero-length attribute of any type (Keras writes weightless layers' `weight_names` as an empty
    /// float64 array) is an empty list.
    func strings() throws -> [String] {
        let count = try elementCount()
        if count == 0 { return [] }
        guard count <= 10_000_000 else { throw SeqNNError(.format, "\(where_) has \(count) elements; that is not a name list") }
        let ftype = try H5Handle(H5Aget_type(handle.id), .datatype, "H5Aget_type on \(where_)")
        guard H5Tget_class(ftype.id) == H5T_STRING else {
            throw SeqNNError(.format, "\(where_) must hold strings; it holds another HDF5 type")
        }
        if H5Tis_variable_str(ftype.id) > 0 {
            let mtype = try H5Handle(H5Tcopy(seqnn_h5_T_C_S1()), .datatype, "H5Tcopy")
            H5Tset_size(mtype.id, seqnn_h5_T_VARIABLE())
            H5Tset_cset(mtype.id, H5Tget_cset(ftype.id))
            var ptrs = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            try H5.check(H5Aread(handle.id, mtype.id, &ptrs), "cannot read \(where_)")
            defer { for p in ptrs { if let p { H5free_memory(p) } } }
            return ptrs.map { $0.map { String(cString: $0) } ?? "" }
        }
        let size = H5Tget_size(ftype.id)
        guard size > 0, size <= 1 << 24, count * size <= 1 << 28 else { throw SeqNNError(.format, "\(where_) has an implausible string size \(size)") }
        let pad = H5Tget_strpad(ftype.id)
        let mtype = try H5Handle(H5Tcopy(ftype.id), .datatype, "H5Tcopy")
        var bytes = [UInt8](repeating: 0, count: count * size)
        try H5.check(H5Aread(handle.id, mtype.id, &bytes), "cannot read \(where_)")
        return (0..<count).map { i in
            var chunk = bytes[(i * size)..<((i + 1) * size)]
            if let nul = chunk.firstIndex(of: 0) { chunk = chunk[..<nul] }
            if pad == H5T_STR_SPACEPAD { while chunk.last == 0x20 { chunk = chunk.dropLast() } }
            return String(decoding: chunk, as: UTF8.self)
        }
    }

    /// One string: a scalar, or leniently a one-element array.
    func string() throws -> String {
        let list = try strings()
        guard list.count == 1 else { throw SeqNNError(.format, "\(where_) must be one string; it holds \(list.count)") }
        return list[0]
    }
}

extension H5Group {
    /// A string attribute, or nil when absent.
    func stringAttribute(_ name: String) throws -> String? {
        guard hasAttribute(name) else { return nil }
        return try attribute(name).string()
    }

    /// A name-list attribute (`layer_names`, `weight_names`), falling back to Keras's split form
    /// NAME0, NAME1, ... when NAME itself is absent; nil when neither exists.
    func nameList(_ name: String) throws -> [String]? {
        if hasAttribute(name) { return try attribute(name).strings() }
        guard hasAttribute(name + "0") else { return nil }
        var out = [String]()
        var i = 0
        while hasAttribute("\(name)\(i)") {
            out += try attribute("\(name)\(i)").strings()
            i += 1
        }
        return out
    }

    // MARK: Writing attributes

    /// A scalar variable-length string attribute (what h5py writes for a Python str or bytes).
    func setString(_ name: String, _ value: String, utf8: Bool = false) throws {
        try setStrings(name, [value], scalar: true, utf8: utf8)
    }

    /// A 1-D variable-length string array attribute (Keras's name lists). Lists whose encoded size would
    /// pass HDF5's 64 KiB header-attribute limit are split into NAME0, NAME1, ... as Keras splits them.
    func setNameList(_ name: String, _ values: [String]) throws {
        if values.isEmpty {
            // Keras writes an empty float64 array for weightless layers; loaders treat it as "no weights".
            let dims: [hsize_t] = [0]
            let space = try H5Handle(H5Screate_simple(1, dims, nil), .dataspace, "H5Screate_simple")
            let a = try H5Handle(H5Acreate2(id, name, seqnn_h5_T_IEEE_F64LE(), space.id, H5.P_DEFAULT, H5.P_DEFAULT),
                                 .attribute, "cannot create attribute \(name) on \(path)", errorKind: .io)
            _ = a
            return
        }
        // Fixed-length storage takes count x longest name: keep each chunk within Keras's 64,512 bytes.
        let limit = 64_512
        var chunks: [[String]] = [[]]
        var widest = 0
        for v in values {
            let w = max(1, v.utf8.count)
            let grown = max(widest, w) * (chunks[chunks.count - 1].count + 1)
            if grown > limit, !chunks[chunks.count - 1].isEmpty { chunks.append([]); widest = 0 }
            chunks[chunks.count - 1].append(v)
            widest = max(widest, w)
        }
        if chunks.count == 1 { try setStrings(name, values, scalar: false, utf8: false); return }
        for (i, c) in chunks.enumerated() { try setStrings("\(name)\(i)", c, scalar: false, utf8: false) }
    }

    /// Strings are written fixed-length (NULLPAD), which Keras 2 and 3 read like variable-length ones (spec
    /// §3-4), rather than variable-length: those live in HDF5's global heap, which has no checksum, and
    /// libhdf5 1.10 crashes on some corrupted global heaps (found by tools/fuzz). Fixed-length data sits in
    /// checksummed object headers in the newest file format.
    private func setStrings(_ name: String, _ values: [String], scalar: Bool, utf8: Bool) throws {
        let encoded = values.map { Array($0.utf8) }
        let width = max(1, encoded.map(\.count).max() ?? 1)
        let type = try H5Handle(H5Tcopy(seqnn_h5_T_C_S1()), .datatype, "H5Tcopy")
        H5Tset_size(type.id, width)
        H5Tset_strpad(type.id, H5T_STR_NULLPAD)
        H5Tset_cset(type.id, utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII)
        let dims: [hsize_t] = [hsize_t(values.count)]
        let space = try H5Handle(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, nil), .dataspace, "H5Screate")
        if hasAttribute(name) { H5Adelete(id, name) }
        let attr = try H5Handle(H5Acreate2(id, name, type.id, space.id, H5.P_DEFAULT, H5.P_DEFAULT), .attribute,
                                "cannot create attribute \(name) on \(path)", errorKind: .io)
        var bytes = [UInt8](repeating: 0, count: width * values.count)
        for (i, e) in encoded.enumerated() { bytes.replaceSubrange((i * width)..<(i * width + e.count), with: e) }
        try H5.check(H5Awrite(attr.id, type.id, bytes), "cannot write attribute \(name) on \(path)", kind: .io)
    }
}

#if canImport(Glibc)
import Glibc
#endif
