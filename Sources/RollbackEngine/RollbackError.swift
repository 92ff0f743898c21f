import Basics
import HostIO
import Release

/// Why a `rollback` command stopped. `description` reads as a sentence; `exitStatus` is the
/// documented, stable exit status (docs/rollback.md).
public enum RollbackError: Error, Sendable, CustomStringConvertible {
    /// Wrong arguments, or a version that is not installed (64).
    case usage(String)
    /// A bundle or state file that cannot be used (65).
    case badData(String)
    /// An input the operator named is missing, unreadable or not a regular file (66).
    case noInput(String)
    /// The target release is not intact: nothing was changed (3).
    case notIntact(version: String, problems: [String])
    /// Docker or another program could not do its part (69).
    case unavailable(String)
    /// Another rollback holds the lock (75).
    case busy(String)
    /// A file could not be written (73).
    case io(HostIOError)

    public var description: String {
        switch self {
        case .usage(let text), .badData(let text), .noInput(let text), .unavailable(let text), .busy(let text): text
        case .notIntact(let version, let problems):
            "refusing to switch to \(version): it is not intact, and nothing was changed:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        case .io(let error): error.description
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .usage: .usage
        case .badData: .dataError
        case .noInput: .noInput
        case .notIntact: .incomplete
        case .unavailable: .unavailable
        case .busy: .temporaryFailure
        case .io: .cannotWrite
        }
    }

    package static func state(_ error: ReleaseError, file: String) -> RollbackError {
        .badData("\(file): \(error.description)")
    }
}
