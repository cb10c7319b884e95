import CSeqNNHDF5
import SeqNN

/// Numeric datasets: weights (float32, converted from float64/float16 on read), optimizer counters (int64).
extension H5Group {
    /// Reads a float dataset at the relative `name`, converting any floating-point file type to float32.
    /// Refuses non-float types and implausible sizes before allocating.
    func floats(_ name: String) throws -> (shape: [Int], values: [Float]) {
        guard has(name) else { throw SeqNNError(.format, "dataset \(child(name)) is missing") }
        let ds = try H5Handle(H5Dopen2(id, name, H5.P_DEFAULT), .dataset, "cannot open dataset \(child(name))")
        let ftype = try H5Handle(H5Dget_type(ds.id), .datatype, "H5Dget_type on \(child(name))")
        let cls = H5Tget_class(ftype.id)
        guard cls == H5T_FLOAT || cls == H5T_INTEGER else {
            throw SeqNNError(.format, "dataset \(child(name)) must hold numbers; it holds another HDF5 type")
        }
        let shape = try dims(ds, child(name))
        let count = shape.reduce(1, *)
        guard count <= 1 << 31 else { throw SeqNNError(.format, "dataset \(child(name)) has \(count) elements, more than SeqNN accepts") }
        var values = [Float](repeating: 0, count: max(count, 1))
        if count > 0 {
            try H5.check(H5Dread(ds.id, seqnn_h5_T_NATIVE_FLOAT(), seqnn_h5_S_ALL(), seqnn_h5_S_ALL(), H5.P_DEFAULT, &values),
                         "cannot read dataset \(child(name)) (corrupt or truncated data?)")
        }
        return (shape, Array(values.prefix(count)))
    }

    /// Reads an integer scalar dataset (Keras's optimizer `iteration`).
    func int64(_ name: String) throws -> Int64 {
        guard has(name) else { throw SeqNNError(.format, "dataset \(child(name)) is missing") }
        let ds = try H5Handle(H5Dopen2(id, name, H5.P_DEFAULT), .dataset, "cannot open dataset \(child(name))")
        guard try dims(ds, child(name)).reduce(1, *) == 1 else { throw SeqNNError(.format, "dataset \(child(name)) must be a scalar") }
        var v: Int64 = 0
        try H5.check(H5Dread(ds.id, seqnn_h5_T_NATIVE_INT64(), seqnn_h5_S_ALL(), seqnn_h5_S_ALL(), H5.P_DEFAULT, &v),
                     "cannot read dataset \(child(name))")
        return v
    }

    private func dims(_ ds: H5Handle, _ where_: String) throws -> [Int] {
        let space = try H5Handle(H5Dget_space(ds.id), .dataspace, "H5Dget_space on \(where_)")
        let rank = H5Sget_simple_extent_ndims(space.id)
        guard rank >= 0, rank <= 32 else { throw SeqNNError(.format, "dataset \(where_) has an invalid rank") }
        var d = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { H5Sget_simple_extent_dims(space.id, &d, nil) }
        return d.map { Int(clamping: $0) }
    }

    /// Writes a float32 dataset at the relative `name` (intermediate groups created). Non-empty arrays are
    /// stored chunked with a Fletcher-32 checksum so silent corruption is caught on read (ARCHITECTURE §4).
    func writeFloats(_ name: String, shape: [Int], _ values: UnsafeBufferPointer<Float>) throws {
        let dims = shape.map { hsize_t($0) }
        let space = try H5Handle(shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), dims, nil),
                                 .dataspace, "H5Screate for \(child(name))")
        let lcpl = try H5Handle(H5Pcreate(seqnn_h5_P_LINK_CREATE()), .plist, "H5Pcreate")
        H5Pset_create_intermediate_group(lcpl.id, 1)
        let dcpl = try H5Handle(H5Pcreate(seqnn_h5_P_DATASET_CREATE()), .plist, "H5Pcreate")
        if !shape.isEmpty, values.count > 0 {
            H5Pset_chunk(dcpl.id, Int32(dims.count), dims)
            H5Pset_fletcher32(dcpl.id)
        }
        let ds = try H5Handle(H5Dcreate2(id, name, seqnn_h5_T_IEEE_F32LE(), space.id, lcpl.id, dcpl.id, H5.P_DEFAULT), .dataset,
                              "cannot create dataset \(child(name))", errorKind: .io)
        if values.count > 0 {
            try H5.check(H5Dwrite(ds.id, seqnn_h5_T_NATIVE_FLOAT(), seqnn_h5_S_ALL(), seqnn_h5_S_ALL(), H5.P_DEFAULT, values.baseAddress),
                         "cannot write dataset \(child(name))", kind: .io)
        }
    }

    func writeFloats(_ name: String, _ t: Tensor) throws {
        try writeFloats(name, shape: t.shape, UnsafeBufferPointer(start: t.data, count: t.count))
    }

    /// Writes an int64 scalar dataset.
    func writeInt64(_ name: String, _ value: Int64) throws {
        let space = try H5Handle(H5Screate(H5S_SCALAR), .dataspace, "H5Screate")
        let lcpl = try H5Handle(H5Pcreate(seqnn_h5_P_LINK_CREATE()), .plist, "H5Pcreate")
        H5Pset_create_intermediate_group(lcpl.id, 1)
        let ds = try H5Handle(H5Dcreate2(id, name, seqnn_h5_T_STD_I64LE(), space.id, lcpl.id, H5.P_DEFAULT, H5.P_DEFAULT), .dataset,
                              "cannot create dataset \(child(name))", errorKind: .io)
        var v = value
        try H5.check(H5Dwrite(ds.id, seqnn_h5_T_NATIVE_INT64(), seqnn_h5_S_ALL(), seqnn_h5_S_ALL(), H5.P_DEFAULT, &v),
                     "cannot write dataset \(child(name))", kind: .io)
    }
}

/// An HDF5 file.
final class H5File {
    let root: H5Group
    let path: String

    private init(_ handle: H5Handle, path: String) throws {
        self.path = path
        root = H5Group(handle: try H5Handle(H5Gopen2(handle.id, "/", H5.P_DEFAULT), .group, "cannot open the root group of \(path)"), path: "/")
        file = handle
    }
    private let file: H5Handle

    /// Opens an existing file read-only. Missing, unreadable and non-HDF5 files give clear errors.
    static func open(_ path: String) throws -> H5File {
        H5.enter()
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw SeqNNError(.io, "cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw SeqNNError(.io, "'\(path)' is not a regular file") }
        guard st.st_size > 0 else { throw SeqNNError(.format, "'\(path)' is empty: not an HDF5 file") }
        guard H5Fis_hdf5(path) > 0 else {
            H5Eclear2(seqnn_h5_E_DEFAULT())
            throw SeqNNError(.format, "'\(path)' is not an HDF5 file (no HDF5 signature)")
        }
        let h = try H5Handle(H5Fopen(path, seqnn_h5_F_ACC_RDONLY(), H5.P_DEFAULT), .file, "cannot open '\(path)' as HDF5 (truncated or corrupt?)")
        return try H5File(h, path: path)
    }

    /// Creates a new file (failing if it exists), in the newest format: checksummed metadata (superblock v3).
    static func create(_ path: String) throws -> H5File {
        H5.enter()
        let fapl = try H5Handle(H5Pcreate(seqnn_h5_P_FILE_ACCESS()), .plist, "H5Pcreate")
        H5Pset_libver_bounds(fapl.id, seqnn_h5_F_LIBVER_LATEST(), seqnn_h5_F_LIBVER_LATEST())
        let h = try H5Handle(H5Fcreate(path, seqnn_h5_F_ACC_EXCL(), H5.P_DEFAULT, fapl.id), .file, "cannot create '\(path)'", errorKind: .io)
        return try H5File(h, path: path)
    }

    /// Opens an HDF5 file held in memory (the `model.weights.h5` inside a `.keras` archive) read-only through
    /// the core driver: nothing touches the disk. `name` labels messages.
    static func openImage(_ bytes: [UInt8], name: String) throws -> H5File {
        H5.enter()
        guard bytes.count >= 8, bytes.prefix(8).elementsEqual([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]) else {
            throw SeqNNError(.format, "\(name) is not an HDF5 file (no HDF5 signature)")
        }
        let fapl = try H5Handle(H5Pcreate(seqnn_h5_P_FILE_ACCESS()), .plist, "H5Pcreate")
        try H5.check(H5Pset_fapl_core(fapl.id, 1 << 16, false), "H5Pset_fapl_core")
        _ = try bytes.withUnsafeBytes { try H5.check(H5Pset_file_image(fapl.id, UnsafeMutableRawPointer(mutating: $0.baseAddress), $0.count), "H5Pset_file_image for \(name)") }
        let h = try H5Handle(H5Fopen(uniqueImageName(name), seqnn_h5_F_ACC_RDONLY(), fapl.id), .file, "cannot open \(name) as HDF5 (truncated or corrupt?)")
        return try H5File(h, path: name)
    }

    /// HDF5 tells open files apart by name, in-memory ones too: two threads saving or loading `.keras`
    /// archives at once (each with a "model.weights.h5") got "unable to truncate a file which is already
    /// open" (tools/stress found it), or could share one image. Each in-memory file gets its own name.
    private static let imageCounter = ImageCounter()
    private static func uniqueImageName(_ name: String) -> String { "\(name)#\(imageCounter.next())" }

    /// Creates an HDF5 file in memory (core driver, no backing store), for `image()` to hand out as bytes: how
    /// every SeqNN file is made (DurableFile puts the bytes on disk). Newest format, so all metadata carries
    /// checksums (superblock v3, object header v2). The memory grows in steps of `sizeHint` bytes (at least
    /// 64 KiB). Closing is strong: releasing the file releases every object still open in it.
    static func createInMemory(name: String, sizeHint: Int = 0) throws -> H5File {
        H5.enter()
        let fapl = try H5Handle(H5Pcreate(seqnn_h5_P_FILE_ACCESS()), .plist, "H5Pcreate")
        try H5.check(H5Pset_fapl_core(fapl.id, max(1 << 16, min(sizeHint, 1 << 30)), false), "H5Pset_fapl_core")
        try H5.check(H5Pset_libver_bounds(fapl.id, seqnn_h5_F_LIBVER_LATEST(), seqnn_h5_F_LIBVER_LATEST()), "H5Pset_libver_bounds")
        try H5.check(H5Pset_fclose_degree(fapl.id, H5F_CLOSE_STRONG), "H5Pset_fclose_degree")
        let h = try H5Handle(H5Fcreate(uniqueImageName(name), seqnn_h5_F_ACC_TRUNC(), H5.P_DEFAULT, fapl.id), .file, "cannot create \(name) in memory", errorKind: .io)
        return try H5File(h, path: name)
    }

    /// The file's bytes (after a flush): what a file on disk would hold.
    func image() throws -> [UInt8] {
        try flush()
        let size = H5Fget_file_image(file.id, nil, 0)
        guard size > 0 else { throw H5.fail(.io, "cannot take the image of \(path)") }
        var bytes = [UInt8](repeating: 0, count: size)
        let got = bytes.withUnsafeMutableBytes { H5Fget_file_image(file.id, $0.baseAddress, $0.count) }
        guard got == size else { throw H5.fail(.io, "cannot take the image of \(path)") }
        try HDF5FileImage.markClosed(&bytes)
        return bytes
    }

    /// Flushes everything to the operating system.
    func flush() throws {
        try H5.check(H5Fflush(file.id, H5F_SCOPE_GLOBAL), "cannot flush '\(path)'", kind: .io)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A process-wide counter for the names of in-memory HDF5 files.
final class ImageCounter: @unchecked Sendable {
    private let lock = Lock()
    private var n = 0
    func next() -> Int { lock.withLock { n += 1; return n } }
}
