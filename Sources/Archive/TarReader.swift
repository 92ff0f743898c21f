import CArchive
import Foundation

/// Reads every entry of a tar or tar.gz held in memory (for verifying bundles). One owner for
/// one libarchive read handle, freed in `deinit`.
public final class TarReader {
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var isDirectory: Bool
        public var mode: Int32
        public var modificationTime: Int
        public var uid: Int
        public var gid: Int
        public var owner: String?
        public var contents: [UInt8]
    }

    private let archive: OpaquePointer
    private let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(ArchiveError) {
        guard let archive = archive_read_new() else { throw .libarchive(operation: "archive_read_new", detail: "out of memory") }
        self.archive = archive
        self.bytes = bytes
        try ArchiveError.check(archive_read_support_format_tar(archive), archive, "archive_read_support_format_tar")
        try ArchiveError.check(archive_read_support_filter_gzip(archive), archive, "archive_read_support_filter_gzip")
        let code = self.bytes.withUnsafeBytes { archive_read_open_memory(archive, $0.baseAddress, $0.count) }
        try ArchiveError.check(code, archive, "archive_read_open_memory")
    }

    deinit { archive_read_free(archive) }

    public func entries() throws(ArchiveError) -> [Entry] {
        var result: [Entry] = []
        var header: OpaquePointer?
        while true {
            let code = archive_read_next_header(archive, &header)
            if code == ARCHIVE_EOF { break }
            try ArchiveError.check(code, archive, "archive_read_next_header")
            guard let header else { break }
            let size = Int(archive_entry_size(header))
            var contents = [UInt8](repeating: 0, count: size)
            if size > 0 {
                let read = contents.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, size) }
                guard read == size else {
                    try ArchiveError.check(Int32(truncatingIfNeeded: min(read, -30)), archive, "archive_read_data")
                    throw .libarchive(operation: "archive_read_data", detail: "short read")
                }
            }
            result.append(Entry(
                path: archive_entry_pathname(header).map { String(cString: $0) } ?? "",
                isDirectory: archive_entry_filetype(header) == EDGE_AE_IFDIR,
                mode: Int32(archive_entry_perm(header)),
                modificationTime: Int(archive_entry_mtime(header)),
                uid: Int(archive_entry_uid(header)),
                gid: Int(archive_entry_gid(header)),
                owner: archive_entry_uname(header).map { String(cString: $0) },
                contents: contents))
        }
        return result
    }
}
