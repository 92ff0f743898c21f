/// Collects the issues of one file while a validator walks it, so that every problem is
/// reported at once instead of the first one only.
public final class IssueCollector {
    public let file: String
    public private(set) var issues: [PositionedIssue] = []

    public init(file: String) { self.file = file }

    public func add(at position: SourcePosition, pointer: String, _ message: String) {
        issues.append(PositionedIssue(file: file, position: position, pointer: pointer, message: message))
    }
}
