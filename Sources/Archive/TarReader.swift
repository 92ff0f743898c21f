import CArchive
import FoundationEssentials

/// Reads every entry of a tar or tar.gz (release bundles), or of the other archives a Debian
/// package is made of, from memory or from a file. One owner for one libarchive read handle,
/// freed in `deinit`. Sizes are checked against `Limits`
/// from the header, before anything is allocated, so a hostile archive cannot exhaust memory.
public final class TarReader {
    public enum Kind: String, Sendable, Equatable {
        case file, directory, symlink, hardlink, other
    }

    /// What the reader accepts; nothing else is even tried.
    public enum Format: Sendable {
        /// tar, plain or gzip (release bundles).
        case tar
        /// tar compressed with gzip, xz or zstd (a Debian package's control and data members).
        case compressedTar
        /// an `ar` archive (a Debian package itself).
        case ar
    }

    /// Bounds on what one archive may hold.
    public struct Limits: Sendable {
        public var maxEntries: Int
        public var maxEntrySize: Int
        public var maxTotalSize: Int

        public init(maxEntries: Int, maxEntrySize: Int, maxTotalSize: Int) {
            self.maxEntries = maxEntries
            self.maxEntrySize = maxEntrySize
            self.maxTotalSize = maxTotalSize
        }

        public static let unlimited = Limits(maxEntries: .max, maxEntrySize: .max, maxTotalSize: .max)
    }

    public struct Entry: Sendable, Equatable {
        public var path: String
        public var kind: Kind
        /// The target of a symlink or hard link entry.
        public var linkTarget: String?
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

    public init(bytes: [UInt8], format: Format = .tar) throws(ArchiveError) {
        guard let archive = archive_read_new() else { throw .libarchive(operation: "archive_read_new", detail: "out of memory") }
        self.archive = archive
        self.bytes = bytes
        try Self.configure(archive, format)
        let code = self.bytes.withUnsafeBytes { archive_read_open_memory(archive, $0.baseAddress, $0.count) }
        try ArchiveError.check(code, archive, "archive_read_open_memory")
    }

    /// Streams the archive from a file (it is never read into memory whole).
    public init(path: String, format: Format = .tar) throws(ArchiveError) {
        guard let archive = archive_read_new() else { throw .libarchive(operation: "archive_read_new", detail: "out of memory") }
        self.archive = archive
        self.bytes = []
        try Self.configure(archive, format)
        try ArchiveError.check(archive_read_open_filename(archive, path, 64 * 1024), archive, "archive_read_open_filename")
    }

    private static func configure(_ archive: OpaquePointer, _ format: Format) throws(ArchiveError) {
        switch format {
        case .tar:
            try ArchiveError.check(archive_read_support_format_tar(archive), archive, "archive_read_support_format_tar")
            try ArchiveError.check(archive_read_support_filter_gzip(archive), archive, "archive_read_support_filter_gzip")
        case .compressedTar:
            try ArchiveError.check(archive_read_support_format_tar(archive), archive, "archive_read_support_format_tar")
            try ArchiveError.check(archive_read_support_filter_gzip(archive), archive, "archive_read_support_filter_gzip")
            try ArchiveError.check(archive_read_support_filter_xz(archive), archive, "archive_read_support_filter_xz")
            try ArchiveError.check(archive_read_support_filter_zstd(archive), archive, "archive_read_support_filter_zstd")
        case .ar:
            try ArchiveError.check(archive_read_support_format_ar(archive), archive, "archive_read_support_format_ar")
        }
    }

    deinit { archive_read_free(archive) }

    public func entries(limits: Limits = .unlimited) throws(ArchiveError) -> [Entry] {
        var result: [Entry] = []
        var header: OpaquePointer?
        var total = 0
        while true {
            let code = archive_read_next_header(archive, &header)
            if code == ARCHIVE_EOF { break }
            try ArchiveError.check(code, archive, "archive_read_next_header")
            guard let header else { break }
            let path = archive_entry_pathname(header).map { String(cString: $0) } ?? ""
            guard result.count < limits.maxEntries else { throw .limitExceeded("more than \(limits.maxEntries) entries") }
            let size = Int(archive_entry_size(header))
            guard size >= 0, size <= limits.maxEntrySize else {
                throw .limitExceeded("entry '\(path)' is \(size) bytes; at most \(limits.maxEntrySize) are allowed")
            }
            total += size
            guard total <= limits.maxTotalSize else { throw .limitExceeded("the entries add up to more than \(limits.maxTotalSize) bytes") }
            let type = archive_entry_filetype(header)
            let hardlink = archive_entry_hardlink(header).map { String(cString: $0) }
            let symlink = archive_entry_symlink(header).map { String(cString: $0) }
            let kind: Kind = hardlink != nil ? .hardlink
                : type == EDGE_AE_IFREG ? .file : type == EDGE_AE_IFDIR ? .directory : type == EDGE_AE_IFLNK ? .symlink : .other
            var contents = [UInt8](repeating: 0, count: size)
            if size > 0 {
                let read = contents.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, size) }
                guard read == size else {
                    try ArchiveError.check(Int32(truncatingIfNeeded: min(read, -30)), archive, "archive_read_data")
                    throw .libarchive(operation: "archive_read_data", detail: "short read")
                }
            }
            result.append(Entry(
                path: path, kind: kind, linkTarget: hardlink ?? symlink,
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
