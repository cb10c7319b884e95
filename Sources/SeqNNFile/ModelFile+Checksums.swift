import SeqNN

extension ModelFile {
    /// Checks SeqNN's own checksums (ContentChecksums) before anything is built from the file, so a bit
    /// flipped on disk is a `.format` error naming what changed rather than a different model. Files without
    /// them (written by Keras, or by SeqNN before format 2) are `.absent`: only HDF5's own checks apply to
    /// those. A file that says SeqNN format 2 or later must have them. One self-contained call for the load
    /// paths (ModelReader) and `seqinspect --verify`.
    @discardableResult
    package func verifyChecksums() throws -> ContentChecksums.Status {
        // The comparison itself runs where libhdf5 reads the file (H5Snapshot.describe, in the reader process
        // by default): a mismatch fails the read. What reaches here is whether there were checksums to check.
        let what = layout == .archive ? "'\(path)' (model.weights.h5)" : "'\(path)'"
        let status: ContentChecksums.Status
        if let text = try root.stringAttribute(ContentChecksums.attribute) {
            status = .verified(max(text.split(separator: "\n").count - 1, 0))
        } else {
            status = .absent
        }
        if status == .absent, let v = format.seqnnFormatVersion.flatMap({ Int($0) }), v >= 2 {
            throw SeqNNError(.format, "\(what) says SeqNN wrote it (file format \(v)) but has no seqnn_checksums attribute: the file is damaged")
        }
        return status
    }

    /// For messages and seqinspect: "checksum ok (N entries)" or why there is none.
    package func checksumReport() throws -> String {
        switch try verifyChecksums() {
        case .verified(let n): return "checksum ok (\(n) entries)"
        case .absent:
            return format.dialect == .seqnn ? "no checksum (written by SeqNN before file format 2)" : "no checksum (written by Keras)"
        }
    }
}
