import Basics
import Foundation

/// Where commands write: stdout for results, stderr for diagnostics. A seam so the command
/// library never calls `print` for errors.
public struct CommandOutput: Sendable {
    public var writeOut: @Sendable (String) -> Void
    public var writeErr: @Sendable (String) -> Void

    public init(writeOut: @escaping @Sendable (String) -> Void, writeErr: @escaping @Sendable (String) -> Void) {
        self.writeOut = writeOut
        self.writeErr = writeErr
    }

    public static let standard = CommandOutput(
        writeOut: { text in FileHandle.standardOutput.write(Data(text.utf8)) },
        writeErr: { text in FileHandle.standardError.write(Data(text.utf8)) }
    )

    /// Reports a failure: each message on stderr (`imagesmith: …`) and, with `json`, one
    /// `ErrorReport` on stdout, so a script that asked for JSON gets JSON in every outcome.
    public func fail(_ status: ExitStatus, _ messages: [String], json: Bool, issues: [PositionedIssue]? = nil) -> ExitStatus {
        for message in messages { writeErr("imagesmith: \(message)\n") }
        if json { writeOut(CanonicalJSON.text(ErrorReport(error: messages.joined(separator: "\n"), status: status, issues: issues))) }
        return status
    }
}
