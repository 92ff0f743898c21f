import Archive
import FoundationEssentials
import Hashing
import HostIO
import Release

/// A release bundle (.tar.gz) read from where it lies, as hostile input: a regular file only,
/// entries read through libarchive with their kinds and sizes bounded, then `ReleaseBundle`'s
/// checks. What `rollback install`, `rollback verify` and `imagesmith sign` share.
public enum BundleArchive {
    /// A handful of small text files: anything bigger is refused before it is read.
    public static let limits = TarReader.Limits(maxEntries: 256, maxEntrySize: 16 << 20, maxTotalSize: 64 << 20)

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Missing, unreadable or not a regular file (66).
        case noInput(String)
        /// Not a bundle that can be used (65).
        case badData(String)

        public var description: String {
            switch self {
            case .noInput(let text), .badData(let text): text
            }
        }
    }

    public static func read(_ path: String) throws(Failure) -> ReleaseBundle {
        guard FileManager.default.isReadableFile(atPath: path) else { throw .noInput("\(path): no such bundle (or it is not readable)") }
        // A FIFO, a device or a directory would be read forever or not at all: refused at once.
        guard FileInfo.isRegularFile(path) else { throw .noInput("\(path) is not a regular file; a bundle is a .tar.gz file") }
        let entries: [TarReader.Entry]
        do { entries = try TarReader(path: path).entries(limits: limits) }
        catch { throw .badData("\(path): \(error.description)") }
        let mapped = entries.map { entry -> ReleaseBundle.Entry in
            let kind: ReleaseBundle.Entry.Kind
            switch entry.kind {
            case .file: kind = .file
            case .directory: kind = .directory
            case .symlink: kind = .symlink(target: entry.linkTarget ?? "")
            case .hardlink: kind = .hardlink(target: entry.linkTarget ?? "")
            case .other: kind = .other
            }
            return ReleaseBundle.Entry(path: entry.path, kind: kind, contents: entry.contents)
        }
        do { return try ReleaseBundle(entries: mapped, sha256: { (try? Hash.hex($0)) ?? "" }) }
        catch { throw .badData("\(path): \(error.description)") }
    }
}
