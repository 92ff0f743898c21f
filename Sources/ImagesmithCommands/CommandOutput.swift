import ArgumentParser
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

    /// The process's stdout and stderr; nothing a terminal acts on but line breaks gets
    /// through (`terminalSafe`: what a store, a registry or a box wrote is escaped).
    public static let standard = CommandOutput(
        writeOut: { text in FileHandle.standardOutput.write(Data(text.terminalSafe.utf8)) },
        writeErr: { text in FileHandle.standardError.write(Data(text.redactingCredentials.terminalSafe.utf8)) }
    )

    /// Reports a failure: each message on stderr (`imagesmith: …`) and, with `json`, one
    /// `ErrorReport` on stdout, so a script that asked for JSON gets JSON in every outcome.
    public func fail(_ status: ExitStatus, _ messages: [String], json: Bool, issues: [PositionedIssue]? = nil) -> ExitStatus {
        for message in messages { writeErr("imagesmith: \(message)\n") }
        if json { writeOut(CanonicalJSON.text(ErrorReport(error: messages.joined(separator: "\n"), status: status, issues: issues))) }
        return status
    }
}

/// A command's result: lines for a person, or one report for `--json`.
typealias CommandResult = (lines: [String], report: (any Encodable)?)

extension CommandOutput {
    /// Prints a result: the report as JSON when asked for and there is one, else the lines.
    func print(_ result: CommandResult, json: Bool) {
        if json, let report = result.report { writeOut(CanonicalJSON.text(report)) }
        // Each line whole: a line break inside one came from a value, not from the command.
        else { writeOut(result.lines.map { $0.printableText(limit: 100_000) + "\n" }.joined()) }
    }

    /// Reports an error that knows its exit status, and ends the command with it.
    func exit(_ error: some Error & CustomStringConvertible, status: ExitStatus, json: Bool) -> ExitCode {
        ExitCode(fail(status, [error.description], json: json).rawValue)
    }
}

