import Basics

/// An element of an S3 answer (ListObjectsV2, Error): its name, its child elements and its
/// text. Read by a small strict reader rather than Foundation's XMLParser: the box tools carry
/// no Foundation (nor libxml2), and S3 answers use a sliver of XML. No DTD is accepted (so no
/// entity can expand), and depth and element count are bounded: the answer is treated as
/// hostile.
public struct XMLNode: Sendable, Equatable {
    public var name: String
    public var children: [XMLNode]
    public var text: String

    public init(name: String, children: [XMLNode] = [], text: String = "") {
        self.name = name
        self.children = children
        self.text = text
    }

    /// The first child element called `name`.
    public func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }

    public func all(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var offset: Int
        public var detail: String
        public var description: String { "at byte \(offset): \(detail)" }
    }

    public static let maximumDepth = 32
    public static let maximumElements = 200_000

    /// The document's root element.
    public static func parse(_ bytes: [UInt8]) throws(Problem) -> XMLNode {
        var reader = Reader(bytes: bytes)
        return try reader.document()
    }

    struct Reader {
        let bytes: [UInt8]
        var at = 0
        var elements = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func fail(_ detail: String) -> Problem { Problem(offset: at, detail: detail) }

        func starts(with text: String) -> Bool {
            let probe = Array(text.utf8)
            return at + probe.count <= bytes.count && Array(bytes[at..<at + probe.count]) == probe
        }

        mutating func skip(past text: String) throws(Problem) {
            let probe = Array(text.utf8)
            while at + probe.count <= bytes.count {
                if Array(bytes[at..<at + probe.count]) == probe { at += probe.count; return }
                at += 1
            }
            throw fail("'\(text)' never comes")
        }

        mutating func skipSpace() {
            while at < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[at]) { at += 1 }
        }

        /// Declarations, comments and white space before or after the root.
        mutating func skipMisc() throws(Problem) {
            while true {
                skipSpace()
                if starts(with: "<?") { try skip(past: "?>") } else if starts(with: "<!--") { try skip(past: "-->") } else { return }
            }
        }

        mutating func document() throws(Problem) -> XMLNode {
            if bytes.starts(with: [0xef, 0xbb, 0xbf]) { at = 3 }
            try skipMisc()
            if starts(with: "<!") { throw fail("a DTD or declaration is not accepted") }
            guard at < bytes.count, bytes[at] == UInt8(ascii: "<") else { throw fail("expected the root element") }
            let root = try element(depth: 1)
            try skipMisc()
            guard at == bytes.count else { throw fail("content after the root element") }
            return root
        }

        mutating func name() throws(Problem) -> String {
            let start = at
            while at < bytes.count, !([0x20, 0x09, 0x0a, 0x0d, UInt8(ascii: ">"), UInt8(ascii: "/"), UInt8(ascii: "=")].contains(bytes[at])) { at += 1 }
            guard at > start else { throw fail("expected a name") }
            return String(decoding: bytes[start..<at], as: UTF8.self)
        }

        /// `<name attr="v" ...>content</name>` or `<name/>`; attributes are read and dropped.
        mutating func element(depth: Int) throws(Problem) -> XMLNode {
            guard depth <= XMLNode.maximumDepth else { throw fail("elements nest deeper than \(XMLNode.maximumDepth)") }
            elements += 1
            guard elements <= XMLNode.maximumElements else { throw fail("more than \(XMLNode.maximumElements) elements") }
            at += 1
            var node = XMLNode(name: try name())
            while true {
                skipSpace()
                guard at < bytes.count else { throw fail("<\(node.name)> is not closed") }
                if starts(with: "/>") { at += 2; return node }
                if bytes[at] == UInt8(ascii: ">") { at += 1; break }
                _ = try name()
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: "=") else { throw fail("expected '=' in an attribute of <\(node.name)>") }
                at += 1
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") || bytes[at] == UInt8(ascii: "'") else { throw fail("expected a quoted attribute value") }
                let quote = bytes[at]
                at += 1
                while at < bytes.count, bytes[at] != quote { at += 1 }
                guard at < bytes.count else { throw fail("an attribute value is not closed") }
                at += 1
            }
            var text: [UInt8] = []
            while true {
                guard at < bytes.count else { throw fail("<\(node.name)> is not closed") }
                if starts(with: "</") {
                    at += 2
                    let closing = try name()
                    guard closing == node.name else { throw fail("</\(closing)> closes <\(node.name)>") }
                    skipSpace()
                    guard at < bytes.count, bytes[at] == UInt8(ascii: ">") else { throw fail("expected '>' after </\(closing)") }
                    at += 1
                    node.text = String(decoding: text, as: UTF8.self)
                    return node
                } else if starts(with: "<![CDATA[") {
                    at += 9
                    let start = at
                    try skip(past: "]]>")
                    text += bytes[start..<at - 3]
                } else if starts(with: "<!--") {
                    try skip(past: "-->")
                } else if starts(with: "<?") {
                    try skip(past: "?>")
                } else if starts(with: "<!") {
                    throw fail("a declaration inside <\(node.name)> is not accepted")
                } else if bytes[at] == UInt8(ascii: "<") {
                    node.children.append(try element(depth: depth + 1))
                } else if bytes[at] == UInt8(ascii: "&") {
                    text += try entity()
                } else {
                    text.append(bytes[at])
                    at += 1
                }
            }
        }

        /// The five predefined entities and character references; nothing else.
        mutating func entity() throws(Problem) -> [UInt8] {
            let start = at
            at += 1
            while at < bytes.count, bytes[at] != UInt8(ascii: ";"), at - start < 12 { at += 1 }
            guard at < bytes.count, bytes[at] == UInt8(ascii: ";") else { at = start; throw fail("an '&' that starts no entity") }
            let body = String(decoding: bytes[start + 1..<at], as: UTF8.self)
            at += 1
            switch body {
            case "amp": return Array("&".utf8)
            case "lt": return Array("<".utf8)
            case "gt": return Array(">".utf8)
            case "quot": return Array("\"".utf8)
            case "apos": return Array("'".utf8)
            default:
                var value: UInt32?
                if body.hasPrefix("#x") { value = UInt32(body.dropFirst(2), radix: 16) } else if body.hasPrefix("#") { value = UInt32(body.dropFirst(), radix: 10) }
                guard let value, value != 0, let scalar = Unicode.Scalar(value) else { at = start; throw fail("unknown entity &\(body.printable);") }
                return Array(String(Character(scalar)).utf8)
            }
        }
    }
}
