import Basics
/// A small HCL2 writer: enough of the language for Packer templates, laid out the way
/// `packer fmt` lays it out (two-space indents; `=` aligned across runs of single-line
/// attributes), with strings escaped so nothing in them is ever interpolated.
public enum HCL {
    public indirect enum Expression: Sendable, Equatable {
        /// A literal string: escaped so `${` and `%{` stay literal.
        case string(String)
        /// A string template whose `${...}` interpolations are meant (written by this program,
        /// never from user input): quotes, backslashes, control characters and `%{` are escaped.
        case template(String)
        case number(Int)
        case bool(Bool)
        case list([Expression])
        case object([(key: String, value: Expression)])
        /// An expression written as is (`var.image_version`, `local.lock_file`).
        case raw(String)

        public static func == (a: Expression, b: Expression) -> Bool {
            switch (a, b) {
            case (.string(let x), .string(let y)), (.template(let x), .template(let y)), (.raw(let x), .raw(let y)): return x == y
            case (.number(let x), .number(let y)): return x == y
            case (.bool(let x), .bool(let y)): return x == y
            case (.list(let x), .list(let y)): return x == y
            case (.object(let x), .object(let y)): return x.elementsEqual(y) { $0.key == $1.key && $0.value == $1.value }
            default: return false
            }
        }
    }

    public enum Item: Sendable, Equatable {
        case attribute(String, Expression)
        case block(Block)
        case blank
        case comment(String)
    }

    public struct Block: Sendable, Equatable {
        public var type: String
        public var labels: [String]
        public var body: [Item]

        public init(_ type: String, _ labels: [String] = [], _ body: [Item]) {
            self.type = type
            self.labels = labels
            self.body = body
        }
    }

    // MARK: Escaping

    /// The body of a quoted HCL string (without the quotes) that reads back as exactly `text`.
    public static func escape(_ text: String) -> String {
        escapeQuoted(text, literalInterpolation: true)
    }

    static func escapeQuoted(_ text: String, literalInterpolation: Bool) -> String {
        var out = ""
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let next = index + 1 < scalars.count ? scalars[index + 1] : nil
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "$" where literalInterpolation && next == "{": out += "$$"
            case "%" where next == "{": out += "%%"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            index += 1
        }
        return out
    }

    /// Reads back a quoted string body as HCL does (for tests of `escape`): resolves the
    /// escapes and `$${` / `%%{`; returns nil on an interpolation or a bad escape.
    public static func unescape(_ body: String) -> String? {
        var out = ""
        let scalars = Array(body.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let next = index + 1 < scalars.count ? scalars[index + 1] : nil
            let afterNext = index + 2 < scalars.count ? scalars[index + 2] : nil
            if scalar == "\\" {
                guard let next else { return nil }
                switch next {
                case "\\": out += "\\"
                case "\"": out += "\""
                case "n": out += "\n"
                case "r": out += "\r"
                case "t": out += "\t"
                case "u":
                    guard index + 6 <= scalars.count else { return nil }
                    let hex = String(String.UnicodeScalarView(scalars[(index + 2)..<(index + 6)]))
                    guard let value = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(value) else { return nil }
                    out.unicodeScalars.append(decoded)
                    index += 6
                    continue
                default: return nil
                }
                index += 2
                continue
            }
            if (scalar == "$" || scalar == "%") && next == scalar && afterNext == "{" {
                out.unicodeScalars.append(scalar)
                out += "{"
                index += 3
                continue
            }
            if (scalar == "$" || scalar == "%") && next == "{" { return nil }
            if scalar == "\"" || scalar == "\n" { return nil }
            out.unicodeScalars.append(scalar)
            index += 1
        }
        return out
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || (first.properties.isAlphabetic && first.isASCII) else { return false }
        return text.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" || $0 == "-" }
    }

    // MARK: Rendering

    /// Renders a whole file. Always ends with one newline.
    public static func render(_ items: [Item]) -> String {
        var lines: [String] = []
        renderBody(items, indent: 0, into: &lines)
        while lines.last == "" { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }

    static func renderBody(_ items: [Item], indent: Int, into lines: inout [String]) {
        let pad = String(repeating: "  ", count: indent)
        // Runs of single-line attributes get their `=` aligned.
        var index = 0
        while index < items.count {
            switch items[index] {
            case .attribute:
                var run: [(String, [String])] = []
                while index < items.count, case .attribute(let name, let value) = items[index] {
                    let rendered = renderExpression(value, indent: indent)
                    run.append((name, rendered))
                    index += 1
                    if rendered.count > 1 { break }
                }
                var group: [(String, [String])] = []
                func flush() {
                    let width = group.map { keyText($0.0).count }.max() ?? 0
                    for (name, rendered) in group {
                        let key = keyText(name)
                        lines.append(pad + key + String(repeating: " ", count: width - key.count) + " = " + rendered[0])
                    }
                    group.removeAll()
                }
                for (name, rendered) in run {
                    if rendered.count == 1 {
                        group.append((name, rendered))
                    } else {
                        flush()
                        lines.append(pad + keyText(name) + " = " + rendered[0])
                        lines.append(contentsOf: rendered.dropFirst())
                    }
                }
                flush()
            case .block(let block):
                let labels = block.labels.map { " \"\(escape($0))\"" }.joined()
                if block.body.isEmpty {
                    lines.append(pad + block.type + labels + " {}")
                } else {
                    lines.append(pad + block.type + labels + " {")
                    renderBody(block.body, indent: indent + 1, into: &lines)
                    lines.append(pad + "}")
                }
                index += 1
            case .blank:
                if lines.last != "" { lines.append("") }
                index += 1
            case .comment(let text):
                // A comment stays a comment: whatever a line carries (a file name's control
                // characters, a lone CR) is made printable, so it cannot end the line.
                for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                    lines.append(pad + "#" + (line.isEmpty ? "" : " " + line.printableText(limit: 400)))
                }
                index += 1
            }
        }
    }

    static func keyText(_ name: String) -> String { isIdentifier(name) ? name : "\"\(escape(name))\"" }

    /// An expression as one or more lines; continuation lines carry their own indentation.
    static func renderExpression(_ expression: Expression, indent: Int) -> [String] {
        switch expression {
        case .string(let text): return ["\"" + escape(text) + "\""]
        case .template(let text): return ["\"" + escapeQuoted(text, literalInterpolation: false) + "\""]
        case .number(let value): return [String(value)]
        case .bool(let value): return [value ? "true" : "false"]
        case .raw(let text): return [text]
        case .list(let items):
            let rendered = items.map { renderExpression($0, indent: indent + 1) }
            let inline = "[" + rendered.map { $0.joined() }.joined(separator: ", ") + "]"
            if rendered.allSatisfy({ $0.count == 1 }) && inline.count + indent * 2 <= 100 { return [inline] }
            let pad = String(repeating: "  ", count: indent + 1)
            var lines = ["["]
            for element in rendered {
                lines.append(pad + element[0] + (element.count == 1 ? "," : ""))
                if element.count > 1 {
                    lines.append(contentsOf: element.dropFirst().dropLast())
                    lines.append(element.last! + ",")
                }
            }
            lines.append(String(repeating: "  ", count: indent) + "]")
            return lines
        case .object(let entries):
            if entries.isEmpty { return ["{}"] }
            var body: [String] = []
            renderBody(entries.map { .attribute($0.key, $0.value) }, indent: indent + 1, into: &body)
            return ["{"] + body + [String(repeating: "  ", count: indent) + "}"]
        }
    }
}
