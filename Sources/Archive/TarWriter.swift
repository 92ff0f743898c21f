import CArchive
import FoundationEssentials

/// Writes a tar stream (pax restricted, optionally gzip-compressed) into memory, with fixed
/// owners and times so the same entries give the same bytes. One owner for one libarchive
/// write handle, freed in `deinit`.
public final class TarWriter {
    public enum Compression: Sendable { case none, gzip }

    private let archive: OpaquePointer
    private let sink = Sink()
    private var finished = false
    /// Every entry gets this modification time (seconds since the epoch).
    public let modificationTime: Int

    final class Sink { var bytes: [UInt8] = [] }

    public init(compression: Compression = .none, modificationTime: Int = 0) throws(ArchiveError) {
        guard let archive = archive_write_new() else { throw .libarchive(operation: "archive_write_new", detail: "out of memory") }
        self.archive = archive
        self.modificationTime = modificationTime
        try ArchiveError.check(archive_write_set_format_pax_restricted(archive), archive, "archive_write_set_format_pax_restricted")
        if compression == .gzip {
            try ArchiveError.check(archive_write_add_filter_gzip(archive), archive, "archive_write_add_filter_gzip")
            // No timestamp or name in the gzip header: reproducible bytes.
            _ = archive_write_set_filter_option(archive, "gzip", "timestamp", nil)
        }
        try ArchiveError.check(archive_write_set_bytes_in_last_block(archive, 1), archive, "archive_write_set_bytes_in_last_block")
        let context = Unmanaged.passUnretained(sink).toOpaque()
        try ArchiveError.check(archive_write_open2(archive, context, nil, { _, context, buffer, length in
            guard let context, let buffer else { return -1 }
            let sink = Unmanaged<TarWriter.Sink>.fromOpaque(context).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: length))
            return la_ssize_t(length)
        }, nil, nil), archive, "archive_write_open2")
    }

    deinit { archive_write_free(archive) }

    /// Adds a directory entry.
    public func addDirectory(_ path: String, mode: Int32 = 0o755) throws(ArchiveError) {
        try addEntry(path: path, type: EDGE_AE_IFDIR, mode: mode, contents: [])
    }

    /// Adds a regular file.
    public func addFile(_ path: String, contents: [UInt8], mode: Int32 = 0o644) throws(ArchiveError) {
        try addEntry(path: path, type: EDGE_AE_IFREG, mode: mode, contents: contents)
    }

    private func addEntry(path: String, type: UInt32, mode: Int32, contents: [UInt8]) throws(ArchiveError) {
        guard let entry = archive_entry_new() else { throw .libarchive(operation: "archive_entry_new", detail: "out of memory") }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, path)
        archive_entry_set_filetype(entry, type)
        archive_entry_set_perm(entry, mode_t(mode))
        archive_entry_set_size(entry, la_int64_t(contents.count))
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        archive_entry_set_uname(entry, "root")
        archive_entry_set_gname(entry, "root")
        archive_entry_set_mtime(entry, time_t(modificationTime), 0)
        try ArchiveError.check(archive_write_header(archive, entry), archive, "archive_write_header(\(path))")
        if !contents.isEmpty {
            let written = contents.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) }
            guard written == contents.count else {
                try ArchiveError.check(Int32(truncatingIfNeeded: min(written, -30)), archive, "archive_write_data(\(path))")
                return
            }
        }
    }

    /// Finishes the archive and returns its bytes.
    public func finish() throws(ArchiveError) -> [UInt8] {
        if !finished {
            try ArchiveError.check(archive_write_close(archive), archive, "archive_write_close")
            finished = true
        }
        return sink.bytes
    }
}
