import FoundationEssentials

/// How the toolchain writes JSON — lock files, release files, rollback state and every
/// `--json` output: pretty, sorted keys, slashes unescaped, a trailing newline. The same
/// value gives the same bytes. Every character a terminal acts on is written as a `\u`
/// escape (JSONEncoder escapes C0 controls; DEL, C1 controls, Unicode format characters and
/// the line and paragraph separators are escaped here), so JSON that carries what a box or a
/// registry wrote stays JSON and is safe to show.
public enum CanonicalJSON {
    public static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain values cannot fail.
        return escapingUnprintable(Array((try? encoder.encode(value)) ?? Data("{}".utf8))) + [0x0a]
    }

    /// The same rules on one line (request bodies): sorted keys, no newline.
    public static func compact(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return escapingUnprintable(Array((try? encoder.encode(value)) ?? Data("{}".utf8)))
    }

    /// JSON text with DEL, C1 controls, format characters and line or paragraph separators as
    /// `\u` escapes (in JSON they can only stand inside strings, where the escape means the
    /// same character).
    static func escapingUnprintable(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(where: { $0 >= 0x7F }) else { return bytes }
        var out = ""
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            guard scalar.value >= 0x7F, String.isUnprintable(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            if scalar.value > 0xFFFF {
                let value = scalar.value - 0x10000
                out += unit(0xD800 + (value >> 10)) + unit(0xDC00 + (value & 0x3FF))
            } else {
                out += unit(scalar.value)
            }
        }
        return Array(out.utf8)
    }

    static func unit(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    public static func text(_ value: some Encodable) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }
}
