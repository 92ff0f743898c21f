/// A JSON document parsed with the line:column of every value and object key, so that
/// validation errors can say exactly where (Foundation's JSONSerialization keeps no positions;
/// that is why this small reader exists). Strict RFC 8259 (I-JSON, RFC 7493): no comments, no
/// trailing commas, only valid UTF-8, `\u` followed by exactly four hex digits, no duplicate
/// keys in any object, and a size cap checked before any parsing.
public indirect enum JSONValue: Sendable, Equatable {
    case object([(key: String, keyPosition: SourcePosition, value: PositionedJSON)])
    case array([PositionedJSON])
    case string(String)
    /// The number's text as written (so 1.0 and 1 differ, and big integers stay exact).
    case number(String)
    case bool(Bool)
    case null

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            return x.elementsEqual(y) { $0.key == $1.key && $0.value == $1.value }
        case (.array(let x), .array(let y)): return x == y
        case (.string(let x), .string(let y)), (.number(let x), .number(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }
}

public struct PositionedJSON: Sendable, Equatable {
    public var value: JSONValue
    public var position: SourcePosition

    public init(value: JSONValue, position: SourcePosition = .start) {
        self.value = value
        self.position = position
    }

    public static func == (a: PositionedJSON, b: PositionedJSON) -> Bool { a.value == b.value }
}

public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var position: SourcePosition
    public var message: String
    /// The JSON Pointer of what is wrong where the reader knows it (a duplicate key's member);
    /// "" otherwise (the position says where).
    public var pointer: String = ""
    public var description: String { "\(position): \(message)" }
}

public enum JSONReader {
    /// The most a document may be: 1 MiB (a site spec is a few kilobytes).
    public static let defaultMaximumBytes = 1 << 20

    public static func parse(_ bytes: [UInt8], maximumBytes: Int = defaultMaximumBytes) throws(JSONSyntaxError) -> PositionedJSON {
        guard bytes.count <= maximumBytes else {
            throw JSONSyntaxError(position: SourcePosition(line: 1, column: 1),
                                  message: "the document is \(bytes.count) bytes; at most \(maximumBytes) are read")
        }
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    struct Parser {
        enum Step { case key(String), index(Int) }
        let bytes: [UInt8]
        /// Where the parser is, built into a JSON Pointer only for an error that names a member.
        var path: [Step] = []
        var index = 0
        var line = 1
        var lineStart = 0

        var position: SourcePosition { SourcePosition(line: line, column: index - lineStart + 1) }

        func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(position: position, message: message) }

        func pointer(appending last: Step) -> String {
            (path + [last]).reduce("") { pointer, step in
                switch step {
                case .key(let key): JSONPointer.appending(pointer, key: key)
                case .index(let index): JSONPointer.appending(pointer, index: index)
                }
            }
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0d: index += 1
                case 0x0a: index += 1; line += 1; lineStart = index
                default: return
                }
            }
        }

        mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> PositionedJSON {
            guard depth < 64 else { throw error("nesting deeper than 64 levels") }
            guard index < bytes.count else { throw error("unexpected end of input; expected a value") }
            let start = position
            switch bytes[index] {
            case UInt8(ascii: "{"): return PositionedJSON(value: try parseObject(depth: depth), position: start)
            case UInt8(ascii: "["): return PositionedJSON(value: try parseArray(depth: depth), position: start)
            case UInt8(ascii: "\""): return PositionedJSON(value: .string(try parseString()), position: start)
            case UInt8(ascii: "t"): try literal("true"); return PositionedJSON(value: .bool(true), position: start)
            case UInt8(ascii: "f"): try literal("false"); return PositionedJSON(value: .bool(false), position: start)
            case UInt8(ascii: "n"): try literal("null"); return PositionedJSON(value: .null, position: start)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return PositionedJSON(value: .number(try parseNumber()), position: start)
            default: throw error("unexpected character '\(String(decoding: [bytes[index]], as: UTF8.self))'; expected a value")
            }
        }

        mutating func literal(_ word: String) throws(JSONSyntaxError) {
            let expected = Array(word.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<(index + expected.count)]) == expected else {
                throw error("invalid literal; expected \(word)")
            }
            index += expected.count
        }

        mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            index += 1
            var members: [(key: String, keyPosition: SourcePosition, value: PositionedJSON)] = []
            var keys = Set<[UInt8]>()
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let keyPosition = position
                let key = try parseString()
                guard keys.insert(Array(key.utf8)).inserted else {
                    throw JSONSyntaxError(position: keyPosition, message: "duplicate key '\(key.printable)' in one object", pointer: pointer(appending: .key(key)))
                }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after the key") }
                index += 1
                skipWhitespace()
                path.append(.key(key))
                let value = try parseValue(depth: depth + 1)
                path.removeLast()
                members.append((key, keyPosition, value))
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end of input; expected ',' or '}'") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                throw error("expected ',' or '}'")
            }
        }

        mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            index += 1
            var items: [PositionedJSON] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            while true {
                skipWhitespace()
                path.append(.index(items.count))
                items.append(try parseValue(depth: depth + 1))
                path.removeLast()
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end of input; expected ',' or ']'") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                throw error("expected ',' or ']'")
            }
        }

        mutating func parseString() throws(JSONSyntaxError) -> String {
            index += 1
            // The common case, plain ASCII without escapes, in one step; anything else falls
            // through to the byte-by-byte reader below from where the plain run stopped.
            var scan = index
            while scan < bytes.count {
                let byte = bytes[scan]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
                scan += 1
            }
            if scan < bytes.count, bytes[scan] == UInt8(ascii: "\"") {
                let text = String(decoding: bytes[index..<scan], as: UTF8.self)
                index = scan + 1
                return text
            }
            var out = Array(bytes[index..<scan])
            index = scan
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index + 1 < bytes.count else { throw error("unterminated escape") }
                    let escape = bytes[index + 1]
                    index += 2
                    switch escape {
                    case UInt8(ascii: "\""): out.append(0x22)
                    case UInt8(ascii: "\\"): out.append(0x5c)
                    case UInt8(ascii: "/"): out.append(0x2f)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0c)
                    case UInt8(ascii: "n"): out.append(0x0a)
                    case UInt8(ascii: "r"): out.append(0x0d)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800...0xDBFF).contains(scalar) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                                throw error("unpaired surrogate in \\u escape")
                            }
                            index += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                        out.append(contentsOf: Array(String(Character(unicode)).utf8))
                    default:
                        throw error("invalid escape '\\\(String(decoding: [escape], as: UTF8.self))'")
                    }
                case 0x00..<0x20:
                    throw error("control character in a string; escape it")
                case 0x80...:
                    let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                    guard byte >= 0xC2, byte <= 0xF4, index + length <= bytes.count,
                          let text = String(validating: bytes[index..<(index + length)], as: UTF8.self), text.unicodeScalars.count == 1 else {
                        throw error("invalid UTF-8 (byte 0x\(String(byte, radix: 16))); the document must be UTF-8")
                    }
                    out.append(contentsOf: bytes[index..<(index + length)])
                    index += length
                default:
                    out.append(byte)
                    index += 1
                }
            }
            throw error("unterminated string")
        }

        mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
            guard index + 4 <= bytes.count, bytes[index..<(index + 4)].allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit && $0 < 0x80 }),
                  let value = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else {
                throw error("invalid \\u escape; expected four hex digits")
            }
            index += 4
            return value
        }

        mutating func parseNumber() throws(JSONSyntaxError) -> String {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            func digits() -> Int {
                let from = index
                while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
                return index - from
            }
            guard index < bytes.count else { throw error("invalid number") }
            if bytes[index] == UInt8(ascii: "0") { index += 1 } else if digits() == 0 { throw error("invalid number") }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw error("invalid number: digits expected after '.'") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { throw error("invalid number: digits expected in the exponent") }
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
    }
}

extension PositionedJSON {
    /// The value at a pointer made of plain keys and indexes (`["time", "client"]`), or nil.
    public func value(at path: [String]) -> PositionedJSON? {
        var current = self
        for step in path {
            switch current.value {
            case .object(let members):
                guard let member = members.first(where: { $0.key == step }) else { return nil }
                current = member.value
            case .array(let items):
                guard let index = Int(asciiDecimal: step), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }
}
