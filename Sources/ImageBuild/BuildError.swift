import Basics

/// Why `imagesmith build` stopped, nothing written. `description` is one line per problem
/// (each printed after `imagesmith: `); `exitStatus` is the documented status.
public enum BuildError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file the build needs cannot be read: definition, lock, templates, box package (66).
    case noInput([String])
    /// The definition, the lock or the box package is wrong (65).
    case badData([String])
    /// The definition is invalid: every problem with its place (65).
    case invalidDefinition([PositionedIssue])
    /// The request lacks what the build needs to decide (64): what was released before.
    case usage([String])
    /// The registry could not be asked (69).
    case unavailable([String])
    /// A container cannot be pinned and the definition does not allow otherwise (1).
    case refused([String])
    /// The output could not be written (73).
    case cannotWrite(String)
    /// Something that should not fail did (hashing) (1).
    case failed(String)

    public var messages: [String] {
        switch self {
        case .noInput(let lines), .badData(let lines), .unavailable(let lines), .refused(let lines), .usage(let lines): lines
        case .invalidDefinition(let issues): [PositionedIssue.report(issues, in: "the image definition")]
        case .cannotWrite(let line), .failed(let line): [line]
        }
    }

    public var description: String { messages.joined(separator: "\n") }

    public var exitStatus: ExitStatus {
        switch self {
        case .noInput: .noInput
        case .badData, .invalidDefinition: .dataError
        case .usage: .usage
        case .unavailable: .unavailable
        case .refused: .failure
        case .cannotWrite: .cannotWrite
        case .failed: .failure
        }
    }

    /// The positioned problems of an invalid definition, for `--json`.
    public var issues: [PositionedIssue]? {
        if case .invalidDefinition(let issues) = self { return issues }
        return nil
    }

    /// The error for a status the registry client reported.
    package static func from(_ status: ExitStatus, _ messages: [String]) -> BuildError {
        switch status {
        case .noInput: .noInput(messages)
        case .dataError, .usage: .badData(messages)
        case .unavailable: .unavailable(messages)
        case .cannotWrite: .cannotWrite(messages.joined(separator: "; "))
        default: .refused(messages)
        }
    }
}
