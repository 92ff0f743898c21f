/// The canonical form of a JSON value that TUF metadata is signed over (OLPC canonical JSON,
/// as securesystemslib's `encode_canonical` writes it): object keys sorted by code point, no
/// whitespace, strings with only `"` and `\` escaped, integers only. The same value always
/// gives the same bytes, whoever wrote the document; a value canonical JSON cannot hold (a
/// number with a fraction or exponent) has no canonical form.
public enum CanonicalJSONValue {
    public struct NotCanonicalizable: Error, Sendable, CustomStringConvertible {
        public var position: SourcePosition
        public var description: String { "\(position): a number with a fraction or an exponent has no canonical form" }
    }

    public static func encode(_ node: PositionedJSON) throws(NotCanonicalizable) -> [UInt8] {
        var out: [UInt8] = []
        try append(node, to: &out)
        return out
    }

    static func append(_ node: PositionedJSON, to out: inout [UInt8]) throws(NotCanonicalizable) {
        switch node.value {
        case .null: out += Array("null".utf8)
        case .bool(let value): out += Array((value ? "true" : "false").utf8)
        case .number(let text):
            guard text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") }) else { throw NotCanonicalizable(position: node.position) }
            out += Array(text.utf8)
        case .string(let text): appendString(text, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try append(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let sorted = members.sorted { $0.key.unicodeScalars.map(\.value).lexicographicallyPrecedes($1.key.unicodeScalars.map(\.value)) }
            for (index, member) in sorted.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                try append(member.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }
}
