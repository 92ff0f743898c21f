import Basics
import HostIO
import Trust

/// Why a key, root or signing command stopped; nothing was written. `description` reads as a
/// sentence and never holds key material.
public enum AuthoringError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Arguments that cannot work together, an output that exists already (64).
    case usage(String)
    /// An input the operator named is missing, unreadable or not a regular file (66).
    case noInput(String)
    /// An input that is not what it must be: a key, a root, a bundle, a signature (65).
    case badData(String)
    /// A document refused by the trust rules (65).
    case trust(TrustError)
    /// An output could not be written (73).
    case cannotWrite(HostIOError)

    public var description: String {
        switch self {
        case .usage(let text), .noInput(let text), .badData(let text): text
        case .trust(let error): error.description
        case .cannotWrite(let error): error.description
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .usage: .usage
        case .noInput: .noInput
        case .badData, .trust: .dataError
        case .cannotWrite: .cannotWrite
        }
    }
}
