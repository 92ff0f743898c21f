import Basics

/// Why a fleet operation could not be done. Each case names the store key or the input and
/// says what is wrong and what was expected; no credential is ever in one.
public enum FleetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A name, plan or option given on the command line or in a file is not valid.
    case invalidInput(String)
    /// A record read back from the store is not what this layout writes (hostile or corrupt).
    case malformed(key: String, detail: String)
    /// A file the fleet tools read (the agent's `fleet.json`) is not valid.
    case invalidFile(path: String, detail: String)
    /// A record that must exist does not.
    case missing(key: String, what: String)
    /// The store refused or changed under us: a compare-and-swap lost, an immutable record
    /// already exists with other content.
    case conflict(key: String, detail: String)
    /// A rule says no (a rollout that is not active, a release that is not published).
    case refused(String)
    /// The store could not be reached or answered with an error.
    case unavailable(String)
    /// The store answered that this credential may not do that.
    case permissionDenied(String)

    public var description: String {
        switch self {
        case .invalidInput(let detail): detail.printableText(limit: 400)
        case .malformed(let key, let detail): "the fleet record \(key.printable) is not valid: \(detail.printableText(limit: 300))"
        case .invalidFile(let path, let detail): "\(path.printable) is not valid: \(detail.printableText(limit: 300))"
        case .missing(let key, let what): "\(what) does not exist in the fleet store (no key \(key.printable))"
        case .conflict(let key, let detail): "the fleet record \(key.printable) changed: \(detail.printableText(limit: 300))"
        case .refused(let detail): detail.printableText(limit: 400)
        case .unavailable(let detail): "the fleet store is unavailable: \(detail.printableText(limit: 300))"
        case .permissionDenied(let detail): "the fleet store refused this credential: \(detail.printableText(limit: 300))"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .invalidInput: .usage
        case .malformed, .invalidFile: .dataError
        case .missing, .refused: .failure
        case .conflict: .temporaryFailure
        case .unavailable, .permissionDenied: .unavailable
        }
    }
}
