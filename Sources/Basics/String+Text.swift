extension StringProtocol {
    /// Without leading and trailing white space (spaces, tabs, newlines).
    public var trimmed: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}

extension String {
    /// nil for the empty string: `list.joined(", ").nonEmpty ?? "none"`.
    public var nonEmpty: String? { isEmpty ? nil : self }
}
