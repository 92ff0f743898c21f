/// One problem in an image definition: where (file, line:column, JSON-Pointer-style path)
/// and what was expected.
public struct DefinitionIssue: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// JSON Pointer to the field, e.g. `/containers/2/image`.
    public var pointer: String
    public var message: String

    public init(file: String, line: Int, column: Int, pointer: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.pointer = pointer
        self.message = message
    }

    public var description: String {
        "\(file):\(line):\(column): \(pointer.isEmpty ? "/" : pointer): \(message)"
    }
}

/// Every problem found in a definition, reported together.
public struct DefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [DefinitionIssue]

    public init(issues: [DefinitionIssue]) { self.issues = issues }

    public var description: String {
        let count = issues.count == 1 ? "1 problem" : "\(issues.count) problems"
        return "the image definition has \(count):\n" + issues.map { "  \($0)" }.joined(separator: "\n")
    }
}
