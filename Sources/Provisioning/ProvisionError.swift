import Basics

/// Why provisioning stopped. `description` reads as a sentence (printed after `provision: `);
/// `exitStatus` is the documented exit status (docs/provisioning.md).
package enum ProvisionError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The site spec is invalid: nothing was written (65).
    case invalidSpec(String)
    /// No site spec could be read (66).
    case noSpec(String)
    /// A file could not be written (73).
    case cannotWrite(String)
    /// The spec server could not be reached and no copy was saved (69).
    case unavailable(String)

    package var description: String {
        switch self {
        case .invalidSpec(let text), .noSpec(let text), .cannotWrite(let text), .unavailable(let text): text
        }
    }

    package var exitStatus: ExitStatus {
        switch self {
        case .invalidSpec: .dataError
        case .noSpec: .noInput
        case .cannotWrite: .cannotWrite
        case .unavailable: .unavailable
        }
    }
}
