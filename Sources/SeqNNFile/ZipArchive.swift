import CSeqNNZip
import SeqNN

/// The zip container of a Keras 3 `.keras` file, through libzip (format §13). Reading takes whole named
/// entries into memory, never onto disk, with bounds: the archive must be consistent (libzip's
/// ZIP_CHECKCONS), names must be plain (no absolute paths, `..` or duplicates), and no entry may inflate past
/// its own limit or far past its compressed size (a zip bomb). Writing stores the entries uncompressed, as
/// Keras does.
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

    /// Writes a new archive at `path` (which must not exist) holding `entries` in order, stored uncompressed.
    static func write(_ path: String, entries: [(name: String, bytes: [UInt8])]) throws {
        var err: Int32 = 0
        guard let za = zip_open(path, seqnn_zip_CREATE_EXCL(), &err) else {
            throw SeqNNError(.io, "cannot create '\(path)': \(zipErrorText(err))")
        }
        var committed = false
        defer { if !committed { zip_discard(za) } }
        // libzip reads the sources at zip_close: the buffers stay alive until then.
        let buffers = entries.map { e -> UnsafeMutableRawBufferPointer in
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: max(e.bytes.count, 1), alignment: 1)
            e.bytes.withUnsafeBytes { b.copyMemory(from: $0) }
            return b
        }
        defer { buffers.forEach { $0.deallocate() } }
        for (e, b) in zip(entries, buffers) {
            guard let src = zip_source_buffer(za, b.baseAddress, zip_uint64_t(e.bytes.count), 0) else {
                throw SeqNNError(.io, "save: cannot add '\(e.name)' to '\(path)': \(String(cString: zip_strerror(za)))")
            }
            let idx = zip_file_add(za, e.name, src, seqnn_zip_FL_ENC_UTF_8())
            guard idx >= 0 else {
                zip_source_free(src)
                throw SeqNNError(.io, "save: cannot add '\(e.name)' to '\(path)': \(String(cString: zip_strerror(za)))")
            }
            zip_set_file_compression(za, zip_uint64_t(idx), seqnn_zip_CM_STORE(), 0)
        }
        committed = true
        guard zip_close(za) == 0 else {
            let message = String(cString: zip_strerror(za))
            zip_discard(za)
            throw SeqNNError(.io, "save: cannot write '\(path)': \(message)")
        }
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
