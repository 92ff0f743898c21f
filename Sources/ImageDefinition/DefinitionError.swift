import Basics

/// Every problem found in an image definition, reported together (each a `PositionedIssue`:
/// file, line:column, JSON Pointer, what was expected).
public struct DefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [PositionedIssue]

    public init(issues: [PositionedIssue]) { self.issues = issues }

    public var description: String { PositionedIssue.report(issues, in: "the image definition") }
}
