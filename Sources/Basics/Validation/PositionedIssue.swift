/// One problem in a document an operator wrote (an image definition in YAML, a site spec in
/// JSON): the file, line:column, the JSON Pointer of the field and what was expected. Both
/// readers report through this one type, in one format.
public struct PositionedIssue: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var position: SourcePosition
    /// JSON Pointer (RFC 6901) to the field, e.g. `/containers/2/image`; "" is the document.
    public var pointer: String
    public var message: String

    public init(file: String, position: SourcePosition, pointer: String, message: String) {
        self.file = file
        self.position = position
        self.pointer = pointer
        self.message = message
    }

    /// One line, safe for a terminal: messages quote what the document said, which may hold
    /// control characters or terminal escape sequences.
    public var description: String { "\(file.printable):\(position): \(pointer.isEmpty ? "/" : pointer.printable): \(message.printableText(limit: 400))" }

    /// "<document> has N problems:" and one indented line per issue: how every validation
    /// error of the toolchain reads.
    public static func report(_ issues: [PositionedIssue], in document: String) -> String {
        "\(document) has \(issues.count == 1 ? "1 problem" : "\(issues.count) problems"):\n" + issues.map { "  \($0)" }.joined(separator: "\n")
    }
}
