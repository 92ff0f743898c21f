/// Why a bundle, a release or the rollback state cannot be used. `description` reads as a
/// sentence for the CLI; callers prefix the file it concerns.
public enum ReleaseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The GRUB environment block is malformed (the caller names the file).
    case bootEnvironment(String)
    /// A bundle entry is refused (path traversal, link, device, duplicate...).
    case unsafeEntry(path: String, reason: String)
    /// The bundle's content is not a release (missing file, bad checksum, bad release.json...).
    case invalidBundle(String)
    /// A state file is malformed (the caller names the file).
    case invalidState(String)

    public var description: String {
        switch self {
        case .bootEnvironment(let detail): "the GRUB environment block \(detail)"
        case .unsafeEntry(let path, let reason): "refusing bundle entry '\(path)': \(reason)"
        case .invalidBundle(let detail): detail
        case .invalidState(let detail): detail
        }
    }
}
