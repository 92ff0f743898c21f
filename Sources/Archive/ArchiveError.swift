import CArchive

/// Failures of libarchive. `description` reads as a sentence.
public enum ArchiveError: Error, Sendable, CustomStringConvertible {
    case libarchive(operation: String, detail: String)
    /// The archive is bigger than its reader allows.
    case limitExceeded(String)
    /// The archive is readable but not what it must be.
    case invalid(String)

    public var description: String {
        switch self {
        case .libarchive(let operation, let detail): "libarchive failed in \(operation): \(detail)"
        case .limitExceeded(let detail): "the archive is too large: \(detail)"
        case .invalid(let detail): detail
        }
    }

    /// The one place libarchive status codes become Swift errors.
    static func check(_ code: Int32, _ archive: OpaquePointer?, _ operation: String) throws(ArchiveError) {
        guard code < ARCHIVE_OK else { return }
        // ARCHIVE_WARN (-20) still produced output; treat anything below OK as failure to be strict.
        let detail = archive.flatMap { archive_error_string($0) }.map { String(cString: $0) } ?? "status \(code)"
        throw .libarchive(operation: operation, detail: detail)
    }
}
