import Basics
import FoundationEssentials
import HostIO

/// Which registries the containers tools (skopeo, podman, buildah) speak plain HTTP to, as
/// registries.conf(5) says it: `insecure = true` in a `[[registry]]` table (its `prefix`, else
/// its `location`: `host[:port]`, or `*.domain` for every host below the domain), or the
/// version 1 list `[registries.insecure] registries = [...]`. Read where those tools read it:
/// `CONTAINERS_REGISTRIES_CONF` alone when set; else the user's
/// `$XDG_CONFIG_HOME/containers/registries.conf` (or `~/.config/...`) when it exists, else
/// `/etc/containers/registries.conf`; then the drop-ins in `registries.conf.d` beside it, in
/// name order. An entry scoped to a namespace (`host/team`) is not taken: plain HTTP is chosen
/// per registry here.
///
/// Only the TOML the file uses is read (tables, arrays of tables, strings, booleans, integers,
/// arrays; inline tables are passed over whole); anything else is an error with its line, as
/// the containers tools refuse such a file too. Written by hand: the TOML package in reach
/// (TOMLKit) needs a package that is not, and this is a small subset.
public struct RegistriesConf: Sendable, Equatable {
    /// `host[:port]` entries.
    public var insecureHosts: [String] = []
    /// `*.domain` entries, as the suffix `.domain`.
    public var insecureDomainSuffixes: [String] = []
    /// The files read, in order.
    public var files: [String] = []

    public init() {}

    public static func load(environment: [String: String]) throws(CredentialsError) -> RegistriesConf {
        var paths: [String] = []
        if let named = environment["CONTAINERS_REGISTRIES_CONF"], !named.isEmpty {
            paths = [named]
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            let userBase = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home.map { $0 + "/.config" }
            let user = userBase.map { $0 + "/containers/registries.conf" }
            let main = user.flatMap { FileInfo.isRegularFile($0) ? $0 : nil } ?? "/etc/containers/registries.conf"
            paths = [main]
            for directory in ["/etc/containers/registries.conf.d"] + (userBase.map { [$0 + "/containers/registries.conf.d"] } ?? []) where FileInfo.isDirectory(directory) {
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".conf") }.sorted()
                paths += names.map { directory + "/" + $0 }
            }
        }
        var conf = RegistriesConf()
        for path in paths {
            switch BoundedFile.read(path, limit: 1 << 20) {
            case .bytes(let bytes):
                conf.merge(try parse(String(decoding: bytes, as: UTF8.self), file: path))
                conf.files.append(path)
            case .missing where paths.count > 1 || environment["CONTAINERS_REGISTRIES_CONF"] == nil:
                continue
            case let other:
                throw .unreadableConfig(path: path, detail: BoundedFile.problem(other, limit: 1 << 20) ?? "cannot be read")
            }
        }
        return conf
    }

    mutating func merge(_ other: RegistriesConf) {
        for host in other.insecureHosts where !insecureHosts.contains(host) { insecureHosts.append(host) }
        for suffix in other.insecureDomainSuffixes where !insecureDomainSuffixes.contains(suffix) { insecureDomainSuffixes.append(suffix) }
    }

    /// Whether `host` (with its port, as references name registries) is insecure here.
    public func isInsecure(_ host: String) -> Bool {
        if insecureHosts.contains(host) { return true }
        let name = host.split(separator: ":").first.map(String.init) ?? host
        return insecureDomainSuffixes.contains { name.hasSuffix($0) }
    }

    // MARK: the file

    public static func parse(_ text: String, file: String) throws(CredentialsError) -> RegistriesConf {
        let tables = try TOMLSubset.parse(text, file: file)
        var conf = RegistriesConf()
        func take(_ prefix: String, line: Int) {
            if prefix.hasPrefix("*.") {
                conf.insecureDomainSuffixes.append(String(prefix.dropFirst()))
            } else if !prefix.contains("/"), !prefix.isEmpty {
                conf.insecureHosts.append(prefix)
            }
        }
        for table in tables {
            switch table.name {
            case "registry" where table.isArrayElement:
                guard case .bool(true)? = table.values["insecure"]?.value else { continue }
                let prefix = table.values["prefix"]?.value.string ?? table.values["location"]?.value.string
                if let prefix { take(prefix, line: table.line) }
            case "registries.insecure":
                if case .array(let items)? = table.values["registries"]?.value {
                    for item in items { if let host = item.string { take(host, line: table.line) } }
                }
            default:
                continue
            }
        }
        return conf
    }
}

/// The part of TOML registries.conf files use: `[table]` and `[[array.of.tables]]` headers,
/// `key = value` with bare or quoted keys, and values that are basic or literal strings,
/// booleans, integers, arrays of those (over several lines too); inline tables are skipped
/// whole. Comments from `#` to the end of a line.
enum TOMLSubset {
    indirect enum Value: Equatable {
        case string(String), bool(Bool), integer(Int), array([Value]), skipped

        var string: String? { if case .string(let text) = self { text } else { nil } }
    }

    struct Table {
        var name: String
        var isArrayElement: Bool
        var line: Int
        var values: [String: (value: Value, line: Int)] = [:]
    }

    static func parse(_ text: String, file: String) throws(CredentialsError) -> [Table] {
        var scanner = Scanner(Array(text.unicodeScalars), file: file)
        var tables = [Table(name: "", isArrayElement: false, line: 1)]
        while true {
            scanner.skipBlankAndComments()
            guard let scalar = scanner.peek else { break }
            if scalar == "[" {
                let line = scanner.line
                let double = scanner.peek(1) == "["
                scanner.index += double ? 2 : 1
                scanner.skipSpaces()
                let name = try scanner.dottedKey()
                scanner.skipSpaces()
                guard scanner.consume("]"), !double || scanner.consume("]") else { throw scanner.error("expected ']' to end the table header") }
                tables.append(Table(name: name, isArrayElement: double, line: line))
            } else {
                let line = scanner.line
                let key = try scanner.dottedKey()
                scanner.skipSpaces()
                guard scanner.consume("=") else { throw scanner.error("expected '=' after the key '\(key.printable)'") }
                scanner.skipSpaces()
                let value = try scanner.value()
                tables[tables.count - 1].values[key] = (value, line)
            }
            scanner.skipSpaces()
            if scanner.peek == "#" { scanner.skipComment() }
            guard scanner.peek == nil || scanner.consumeNewline() else { throw scanner.error("unexpected text after a value") }
        }
        return tables
    }

    struct Scanner {
        let scalars: [Unicode.Scalar]
        let file: String
        var index = 0
        var line = 1

        init(_ scalars: [Unicode.Scalar], file: String) {
            self.scalars = scalars
            self.file = file
        }

        var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }
        func peek(_ offset: Int) -> Unicode.Scalar? { index + offset < scalars.count ? scalars[index + offset] : nil }

        func error(_ message: String) -> CredentialsError { .malformedConfig(path: file, detail: "line \(line): \(message)") }

        mutating func consume(_ scalar: Unicode.Scalar) -> Bool {
            guard peek == scalar else { return false }
            index += 1
            return true
        }

        mutating func consumeNewline() -> Bool {
            if consume("\r") { _ = consume("\n"); line += 1; return true }
            if consume("\n") { line += 1; return true }
            return false
        }

        mutating func skipSpaces() { while peek == " " || peek == "\t" { index += 1 } }
        mutating func skipComment() { while let scalar = peek, scalar != "\n", scalar != "\r" { index += 1 } }

        mutating func skipBlankAndComments() {
            while true {
                skipSpaces()
                if peek == "#" { skipComment() }
                if !consumeNewline() { return }
            }
        }

        mutating func dottedKey() throws(CredentialsError) -> String {
            var parts: [String] = []
            repeat {
                skipSpaces()
                if peek == "\"" || peek == "'" {
                    guard case .string(let text) = try string() else { throw error("expected a key") }
                    parts.append(text)
                } else {
                    let start = index
                    while let scalar = peek, scalar.properties.isAlphabetic && scalar.isASCII || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_" { index += 1 }
                    guard index > start else { throw error("expected a key") }
                    parts.append(String(String.UnicodeScalarView(scalars[start..<index])))
                }
                skipSpaces()
            } while consume(".")
            return parts.joined(separator: ".")
        }

        mutating func value() throws(CredentialsError) -> Value {
            guard let scalar = peek else { throw error("expected a value") }
            switch scalar {
            case "\"", "'": return try string()
            case "[":
                index += 1
                var items: [Value] = []
                while true {
                    skipBlankAndComments()
                    if consume("]") { return .array(items) }
                    items.append(try value())
                    skipBlankAndComments()
                    if consume(",") { continue }
                    skipBlankAndComments()
                    guard consume("]") else { throw error("expected ',' or ']' in an array") }
                    return .array(items)
                }
            case "{":
                // An inline table: not read, but skipped whole (strings in it included).
                var depth = 0
                repeat {
                    if peek == "\"" || peek == "'" { _ = try string(); continue }
                    guard let next = peek, next != "\n" else { throw error("an inline table must end on its line") }
                    if next == "{" { depth += 1 }
                    if next == "}" { depth -= 1 }
                    index += 1
                } while depth > 0
                return .skipped
            default:
                let start = index
                while let next = peek, next.properties.isAlphabetic && next.isASCII || ("0"..."9").contains(next) || next == "-" || next == "+" || next == "_" { index += 1 }
                let word = String(String.UnicodeScalarView(scalars[start..<index]))
                if word == "true" { return .bool(true) }
                if word == "false" { return .bool(false) }
                if let number = Int(word.replacingOccurrences(of: "_", with: "")) { return .integer(number) }
                throw error("'\(word.printable)' is not a value this reader takes (a string, true or false, an integer or an array)")
            }
        }

        mutating func string() throws(CredentialsError) -> Value {
            let quote = scalars[index]
            guard peek(1) != quote || peek(2) != quote else { throw error("multi-line strings are not read here") }
            index += 1
            var out = String.UnicodeScalarView()
            while true {
                guard let scalar = peek, scalar != "\n", scalar != "\r" else { throw error("a string must end on its line") }
                index += 1
                if scalar == quote { return .string(String(out)) }
                if quote == "\"", scalar == "\\" {
                    guard let escaped = peek else { throw error("a string ends in '\\'") }
                    index += 1
                    switch escaped {
                    case "\"": out.append("\"")
                    case "\\": out.append("\\")
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "r": out.append("\r")
                    case "b": out.append("\u{8}")
                    case "f": out.append("\u{c}")
                    case "u", "U":
                        let count = escaped == "u" ? 4 : 8
                        guard index + count <= scalars.count,
                              let value = UInt32(String(String.UnicodeScalarView(scalars[index..<(index + count)])), radix: 16),
                              let decoded = Unicode.Scalar(value) else { throw error("a \\\(escaped) escape that is not \(count) hex digits") }
                        out.append(decoded)
                        index += count
                    default: throw error("an unknown escape '\\\(escaped)'")
                    }
                } else {
                    out.append(scalar)
                }
            }
        }
    }
}
