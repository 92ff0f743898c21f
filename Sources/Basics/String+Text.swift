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

extension StringProtocol {
    /// Safe to show on a terminal or in one log line: control characters (C0, DEL, C1, which
    /// carry terminal escape sequences and line breaks) and Unicode format characters (bidi
    /// overrides) become `\u{…}` escapes, and the text is cut after `limit` characters.
    public func printableText(limit: Int = 200) -> String {
        var out = ""
        var count = 0
        for scalar in unicodeScalars {
            if count == limit { out += "…"; break }
            count += 1
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.properties.generalCategory == .format {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `printableText(limit: 200)`.
    public var printable: String { printableText() }

    /// Whether any character is a control or format character (see `printable`).
    public var hasControlCharacters: Bool {
        unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.properties.generalCategory == .format }
    }
}
