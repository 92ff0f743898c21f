/// What every command given `--json` prints on stdout when it fails, in all three tools: the
/// sentence it also prints on stderr, the exit status, and the positioned problems of a
/// document when there are some. A script that asked for JSON always gets JSON.
public struct ErrorReport: Encodable, Sendable {
    public var error: String
    public var exitCode: Int32
    public var issues: [PositionedIssue]?

    /// `error` is kept without any password given inside an argument (`redactingCredentials`).
    public init(error: String, exitCode: Int32, issues: [PositionedIssue]? = nil) {
        self.error = error.redactingCredentials
        self.exitCode = exitCode
        self.issues = issues
    }

    public init(error: String, status: ExitStatus, issues: [PositionedIssue]? = nil) {
        self.init(error: error, exitCode: status.rawValue, issues: issues)
    }

    enum CodingKeys: String, CodingKey { case error, exitCode = "exit_code", issues }
}

extension PositionedIssue: Encodable {
    enum CodingKeys: String, CodingKey { case file, line, column, pointer, message }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file.redactingCredentials, forKey: .file)
        try container.encode(position.line, forKey: .line)
        try container.encode(position.column, forKey: .column)
        try container.encode(pointer, forKey: .pointer)
        try container.encode(message.redactingCredentials, forKey: .message)
    }
}
