import Basics
import FoundationEssentials

/// Every problem found in a site spec, reported together (each a `PositionedIssue`: file,
/// line:column, JSON Pointer, what was expected).
public struct SpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [PositionedIssue]

    public init(issues: [PositionedIssue]) { self.issues = issues }

    public var description: String { PositionedIssue.report(issues, in: "the site spec") }
}
