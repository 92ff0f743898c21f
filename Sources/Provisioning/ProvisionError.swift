import Basics
import SiteSpec

/// Why provisioning stopped. `description` reads as a sentence (printed after `provision: `);
/// `exitStatus` is the documented exit status (docs/provisioning.md).
package enum ProvisionError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The site spec is invalid (or does not fit this image): nothing was written (65).
    case invalidSpec(SpecError)
    /// No site spec could be read (66).
    case noSpec(String)
    /// A file could not be written (73).
    case cannotWrite(String)
    /// The spec server could not be reached and no copy was saved (69).
    case unavailable(String)

    package var description: String {
        switch self {
        case .invalidSpec(let error): error.description
        case .noSpec(let text), .cannotWrite(let text), .unavailable(let text): text
        }
    }

    /// The spec's problems with their places, for `--json`.
    package var issues: [PositionedIssue]? {
        if case .invalidSpec(let error) = self { return error.issues }
        return nil
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
