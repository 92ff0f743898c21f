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
    /// Safe to show on a terminal, in one log line or in a comment of a rendered file: control
    /// characters (C0, DEL, C1, which carry terminal escape sequences and line breaks), Unicode
    /// format characters (bidi overrides) and the line and paragraph separators (U+2028,
    /// U+2029, which YAML 1.1 reads as line breaks) become `\u{…}` escapes, and the text is
    /// cut after `limit` characters.
    public func printableText(limit: Int = 200) -> String {
        var out = ""
        var count = 0
        for scalar in String(self).redactingCredentials.unicodeScalars {
            if count == limit { out += "…"; break }
            count += 1
            if Self.isUnprintable(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The text with the password of every `user:password@host` in it (an argument, a URL)
    /// replaced by `***`: what `printable` shows, so an error that quotes an operator's input
    /// never shows a password given inside it. `name:tag@sha256:…` (an image pinned by digest)
    /// is not a password.
    public var redactingCredentials: String {
        guard contains("@"), contains(":") else { return String(self) }
        var scalars = Array(unicodeScalars)
        var index = 0
        func separates(_ scalar: Unicode.Scalar) -> Bool {
            scalar.properties.isWhitespace || "/@'\"()<>[]{},;=`".unicodeScalars.contains(scalar)
        }
        while index < scalars.count {
            guard scalars[index] == "@" else { index += 1; continue }
            // Back from '@' to the start of the user:password part.
            var start = index
            while start > 0, !separates(scalars[start - 1]) { start -= 1 }
            let part = scalars[start..<index]
            let after = String(String.UnicodeScalarView(scalars[(index + 1)...].prefix(8)))
            if let colon = part.firstIndex(of: ":"), colon > start, colon < index - 1,
               !["sha256:", "sha384:", "sha512:"].contains(where: { after.hasPrefix($0) }), String(String.UnicodeScalarView(part[(colon + 1)...])) != "***" {
                scalars.replaceSubrange((colon + 1)..<index, with: "***".unicodeScalars)
                index = colon + 4
            }
            index += 1
        }
        return String(String.UnicodeScalarView(scalars))
    }

    /// `printableText(limit: 200)`.
    public var printable: String { printableText() }

    /// Whether any character is a control, format or separator character (see `printable`).
    public var hasControlCharacters: Bool { unicodeScalars.contains(where: Self.isUnprintable) }

    /// Safe to write to a terminal as a tool's own output: every character `printable` escapes,
    /// but the line breaks (which the tool wrote; text from elsewhere is `printable` where it
    /// is put in a line), and no length limit. What every text output of the three tools goes
    /// through on its way out, so that no escape sequence a box, a store or a registry wrote
    /// reaches an operator's terminal.
    public var terminalSafe: String {
        guard unicodeScalars.contains(where: { $0 != "\n" && Self.isUnprintable($0) }) else { return String(self) }
        var out = ""
        for scalar in unicodeScalars {
            if scalar != "\n", Self.isUnprintable(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    public static func isUnprintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { return true }
        switch scalar.properties.generalCategory {
        case .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }
}

extension StringProtocol {
    /// `%XX` sequences decoded as UTF-8 bytes (invalid sequences kept as they are; bytes that
    /// are not UTF-8 become U+FFFD). Lenient on purpose: for recognising what a server may have
    /// echoed, not for parsing URLs.
    public var percentDecoded: String {
        var bytes: [UInt8] = []
        let source = Array(utf8)
        bytes.reserveCapacity(source.count)
        var index = 0
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: byte - 0x30
            case 0x41...0x46: byte - 0x41 + 10
            case 0x61...0x66: byte - 0x61 + 10
            default: nil
            }
        }
        while index < source.count {
            if source[index] == 0x25, index + 2 < source.count, let high = hex(source[index + 1]), let low = hex(source[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
