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
}
