import SeqNN

/// The superblock fix-up an in-memory file's image needs. HDF5 (1.10.8 here, 1.14.6 too) marks a file open
/// for writing with consistency flags in superblock v2/v3; `H5Fget_file_image` clears those flags in the
/// copy it returns but keeps the checksum computed with them, so the image of a newest-format file fails
/// to open ("incorrect metadata checksum"). This clears the flags and recomputes the checksum, after
/// checking that the stored one matches the flags HDF5 had set: anything else is refused, never patched.
enum HDF5FileImage {
    /// Superblock v2/v3 with 8-byte addresses: signature 8, version, offset size, length size, flags,
    /// 4 addresses, then a 4-byte Jenkins lookup3 checksum of the 44 bytes before it.
    static let checksummed = 44

    static func markClosed(_ image: inout [UInt8]) throws {
        guard image.count >= checksummed + 4, image[8] >= 2 else { return }   // v0/v1 superblocks carry no checksum
        guard image[9] == 8, image[10] == 8 else {
            throw SeqNNError(.io, "save: the in-memory HDF5 file has \(image[9])-byte addresses; SeqNN expects 8")
        }
        let stored = image[checksummed..<(checksummed + 4)].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        var probe = Array(image[..<checksummed])
        let candidates = [probe[11]] + [UInt8](arrayLiteral: 1, 3, 5, 7)   // what HDF5 had set: write access (+ SWMR bits)
        guard candidates.contains(where: { probe[11] = $0; return lookup3(probe) == stored }) else {
            throw SeqNNError(.io, "save: the in-memory HDF5 file's superblock checksum does not match its content; nothing was written")
        }
        image[11] = 0
        let sum = lookup3(Array(image[..<checksummed]))
        for i in 0..<4 { image[checksummed + i] = UInt8(truncatingIfNeeded: sum >> (8 * UInt32(i))) }
    }

    /// Bob Jenkins' lookup3 `hashlittle` with initval 0, as HDF5's H5_checksum_lookup3.
    static func lookup3(_ key: [UInt8]) -> UInt32 {
        func rot(_ x: UInt32, _ k: UInt32) -> UInt32 { (x << k) | (x >> (32 - k)) }
        var a = 0xdead_beef &+ UInt32(truncatingIfNeeded: key.count), b = a, c = a
        func word(_ i: Int) -> UInt32 {
            var w: UInt32 = 0
            for j in 0..<4 where i + j < key.count { w |= UInt32(key[i + j]) << (8 * UInt32(j)) }
            return w
        }
        var i = 0, length = key.count
        while length > 12 {
            a &+= word(i); b &+= word(i + 4); c &+= word(i + 8)
            a &-= c; a ^= rot(c, 4); c &+= b
            b &-= a; b ^= rot(a, 6); a &+= c
            c &-= b; c ^= rot(b, 8); b &+= a
            a &-= c; a ^= rot(c, 16); c &+= b
            b &-= a; b ^= rot(a, 19); a &+= c
            c &-= b; c ^= rot(b, 4); b &+= a
            length -= 12; i += 12
        }
        if length == 0 { return c }
        // The tail: bytes past the end count as zero (word() stops at the key's end).
        a &+= word(i); b &+= length > 4 ? word(i + 4) : 0; c &+= length > 8 ? word(i + 8) : 0
        c ^= b; c &-= rot(b, 14)
        a ^= c; a &-= rot(c, 11)
        b ^= a; b &-= rot(a, 25)
        c ^= b; c &-= rot(b, 16)
        a ^= c; a &-= rot(c, 4)
        b ^= a; b &-= rot(a, 14)
        c ^= b; c &-= rot(b, 24)
        return c
    }
}
