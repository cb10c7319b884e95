import CSeqNNZip
import SeqNN

/// The zip container of a Keras 3 `.keras` file, through libzip (format §13). Reading takes whole named
/// entries into memory, never onto disk, with bounds: the archive must be consistent (libzip's
/// ZIP_CHECKCONS), names must be plain (no absolute paths, `..` or duplicates), and no entry may inflate past
/// its own limit or far past its compressed size (a zip bomb). Writing stores the entries uncompressed, as
/// Keras does, into memory.
enum ZipArchive {
    /// What an entry may inflate to: Keras 3 refuses members larger than 4 GiB that expand more than 100x
    /// (saving_lib._reject_zip_bomb); SeqNN also caps every entry by what its kind can need.
    struct Limits {
        var maxBytes: Int
        var maxExpansion = 100
        /// Below this size any expansion is accepted (small, highly compressible JSON).
        var expansionFloor = 1 << 24
    }

    /// Reads the entries named in `wanted` (with their limits). Entries not named are listed but not inflated.
    /// Returns name -> bytes for those present.
    static func read(_ path: String, wanted: [String: Limits]) throws -> (entries: [String: [UInt8]], names: [String]) {
        var err: Int32 = 0
        guard let za = zip_open(path, seqnn_zip_RDONLY() | seqnn_zip_CHECKCONS(), &err) else {
            let why: String
            switch err {
            case ZIP_ER_EXISTS: why = "it lists the same entry name twice (a tampered archive: which copy counts is ambiguous)"
            case ZIP_ER_INCONS: why = "its directory and its entries disagree (truncated, damaged or tampered)"
            case ZIP_ER_NOZIP: why = "it has no zip directory (truncated or not a zip file)"
            default: why = zipErrorText(err)
            }
            throw SeqNNError(err == ZIP_ER_NOENT || err == ZIP_ER_OPEN ? .io : .format, "'\(path)' is not a readable .keras archive: \(why)")
        }
        defer { zip_discard(za) }
        let count = zip_get_num_entries(za, 0)
        guard count >= 0, count <= 100_000 else { throw SeqNNError(.format, "'\(path)': the zip archive lists \(count) entries") }
        var names = [String](), seen = Set<String>(), out = [String: [UInt8]]()
        for i in 0..<zip_uint64_t(count) {
            var st = zip_stat_t()
            zip_stat_init(&st)
            guard zip_stat_index(za, i, seqnn_zip_FL_ENC_RAW(), &st) == 0, let cname = st.name else {
                throw SeqNNError(.format, "'\(path)': zip entry \(i) is unreadable: \(String(cString: zip_strerror(za)))")
            }
            let name = String(decoding: UnsafeBufferPointer(start: UnsafeRawPointer(cname).assumingMemoryBound(to: UInt8.self), count: strlenBounded(cname)), as: UTF8.self)
            try checkName(name, path: path)
            guard seen.insert(name).inserted else {
                throw SeqNNError(.format, "'\(path)': the zip archive holds '\(name)' twice (a tampered archive: which copy would count is ambiguous)")
            }
            names.append(name)
            guard let limits = wanted[name] else { continue }
            out[name] = try inflate(za, index: i, stat: st, name: name, limits: limits, path: path)
        }
        return (out, names)
    }

    /// Entry names as Keras writes them: relative, '/'-separated, without `..`, NUL or backslashes.
    static func checkName(_ name: String, path: String) throws {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        if name.isEmpty || name.hasPrefix("/") || name.contains("\\") || name.utf8.contains(0) || parts.contains("..") || name.count > 4096 {
            throw SeqNNError(.format, "'\(path)': the zip archive holds an entry named '\(name.prefix(200))', which is not a plain relative path (absolute, '..' or backslash); refused as hostile")
        }
    }

    static func inflate(_ za: OpaquePointer, index i: zip_uint64_t, stat st: zip_stat_t, name: String, limits: Limits, path: String) throws -> [UInt8] {
        let size = Int(clamping: st.size), packed = Int(clamping: st.comp_size)
        guard size <= limits.maxBytes else {
            throw SeqNNError(.format, "'\(path)': the entry '\(name)' inflates to \(size) bytes, more than the \(limits.maxBytes) a model's \(name) can need; refused")
        }
        guard size <= limits.expansionFloor || size <= limits.maxExpansion * max(packed, 1) else {
            throw SeqNNError(.format, "'\(path)': the entry '\(name)' expands from \(packed) to \(size) bytes (more than \(limits.maxExpansion)x): a zip bomb; refused")
        }
        guard let zf = zip_fopen_index(za, i, 0) else {
            throw SeqNNError(.format, "'\(path)': cannot open the entry '\(name)': \(String(cString: zip_strerror(za)))")
        }
        defer { zip_fclose(zf) }
        // Read one byte past the declared size: an entry whose data outruns its header is refused, so
        // nothing beyond the checked size is ever inflated.
        var bytes = [UInt8](repeating: 0, count: size + 1)
        var got = 0
        while got < bytes.count {
            let n = bytes.withUnsafeMutableBytes { zip_fread(zf, $0.baseAddress! + got, zip_uint64_t($0.count - got)) }
            if n < 0 {
                throw SeqNNError(.format, "'\(path)': the entry '\(name)' is corrupt: \(String(cString: zip_file_strerror(zf)))")
            }
            if n == 0 { break }
            got += Int(n)
        }
        guard got == size else {
            throw SeqNNError(.format, "'\(path)': the entry '\(name)' holds \(got > size ? "more" : "fewer") bytes than its header's \(size) (truncated or tampered)")
        }
        bytes.removeLast()
        return bytes
    }

    /// The bytes of an archive holding `entries` in order, stored uncompressed, built in memory (libzip's
    /// buffer source): DurableFile puts them on disk, so no libzip temporary file is ever left in a folder.
    /// Every libzip object is released on every path.
    static func image(entries: [(name: String, bytes: [UInt8])]) throws -> [UInt8] {
        var zerr = zip_error_t()
        zip_error_init(&zerr)
        defer { zip_error_fini(&zerr) }
        guard let src = zip_source_buffer_create(nil, 0, 0, &zerr) else {
            throw SeqNNError(.outOfMemory, "save: cannot start a zip archive in memory: \(String(cString: zip_error_strerror(&zerr)))")
        }
        guard let za = zip_open_from_source(src, seqnn_zip_TRUNCATE(), &zerr) else {
            zip_source_free(src)
            throw SeqNNError(.io, "save: cannot start a zip archive in memory: \(String(cString: zip_error_strerror(&zerr)))")
        }
        zip_source_keep(src)   // the archive's reference goes at zip_close; ours keeps the written bytes
        defer { zip_source_free(src) }
        var open = true
        defer { if open { zip_discard(za) } }
        // libzip reads the entries' sources at zip_close: the buffers stay alive until then.
        let buffers = entries.map { e -> UnsafeMutableRawBufferPointer in
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: max(e.bytes.count, 1), alignment: 1)
            e.bytes.withUnsafeBytes { b.copyMemory(from: $0) }
            return b
        }
        defer { buffers.forEach { $0.deallocate() } }
        for (e, b) in zip(entries, buffers) {
            guard let esrc = zip_source_buffer(za, b.baseAddress, zip_uint64_t(e.bytes.count), 0) else {
                throw SeqNNError(.io, "save: cannot add '\(e.name)' to the archive: \(String(cString: zip_strerror(za)))")
            }
            let idx = zip_file_add(za, e.name, esrc, seqnn_zip_FL_ENC_UTF_8())
            guard idx >= 0 else {
                zip_source_free(esrc)
                throw SeqNNError(.io, "save: cannot add '\(e.name)' to the archive: \(String(cString: zip_strerror(za)))")
            }
            zip_set_file_compression(za, zip_uint64_t(idx), seqnn_zip_CM_STORE(), 0)
        }
        guard zip_close(za) == 0 else {
            throw SeqNNError(.io, "save: cannot assemble the archive: \(String(cString: zip_strerror(za)))")
        }
        open = false
        return try readAll(src)
    }

    /// The whole content of a (closed) libzip source.
    private static func readAll(_ src: OpaquePointer) throws -> [UInt8] {
        var st = zip_stat_t()
        zip_stat_init(&st)
        guard zip_source_stat(src, &st) == 0, zip_source_open(src) == 0 else {
            throw SeqNNError(.io, "save: cannot read back the archive built in memory")
        }
        defer { zip_source_close(src) }
        var bytes = [UInt8](repeating: 0, count: Int(st.size))
        var got = 0
        while got < bytes.count {
            let n = bytes.withUnsafeMutableBytes { zip_source_read(src, $0.baseAddress! + got, zip_uint64_t($0.count - got)) }
            guard n > 0 else { throw SeqNNError(.io, "save: cannot read back the archive built in memory") }
            got += Int(n)
        }
        return bytes
    }

    static func zipErrorText(_ code: Int32) -> String {
        var e = zip_error_t()
        zip_error_init_with_code(&e, code)
        defer { zip_error_fini(&e) }
        return String(cString: zip_error_strerror(&e))
    }

    private static func strlenBounded(_ p: UnsafePointer<CChar>) -> Int {
        var n = 0
        while p[n] != 0 && n < 65536 { n += 1 }
        return n
    }

    /// Whether the file at `path` starts with a zip signature: a local file header ("PK\u{3}\u{4}"), or the
    /// end-of-directory record of an empty archive ("PK\u{5}\u{6}").
    static func looksLikeZip(_ path: String) -> Bool {
        guard let f = fopen(path, "rb") else { return false }
        defer { fclose(f) }
        var sig = [UInt8](repeating: 0, count: 4)
        return fread(&sig, 1, 4, f) == 4 && (sig == [0x50, 0x4B, 0x03, 0x04] || sig == [0x50, 0x4B, 0x05, 0x06])
    }
}

#if canImport(Glibc)
import Glibc
#endif
