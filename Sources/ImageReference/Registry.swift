/// A registry host as it appears in a normalized reference (`docker.io`, `ghcr.io`,
/// `127.0.0.1:5000`, `[::1]:5000`).
public struct Registry: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The host as written in normalized names, with an optional port.
    public let host: String

    public static let dockerHub = Registry(unchecked: "docker.io")

    public init(_ host: String) throws {
        guard Self.isValidDomain(host) else { throw ReferenceError.invalidRegistry(host) }
        self.host = host == "index.docker.io" ? "docker.io" : host
    }

    init(unchecked host: String) { self.host = host }

    /// The host:port that API requests go to: Docker Hub's API lives on registry-1.docker.io.
    public var endpoint: String { self == .dockerHub ? "registry-1.docker.io" : host }

    /// The host without its port (brackets kept for IPv6).
    public var hostname: String {
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            return String(host[...close])
        }
        if let colon = host.lastIndex(of: ":") { return String(host[..<colon]) }
        return host
    }

    public var description: String { host }
    public static func < (lhs: Registry, rhs: Registry) -> Bool { lhs.host < rhs.host }

    /// host [":" port], host := domain-name | "[" ipv6 "]"
    static func isValidDomain(_ text: String) -> Bool {
        var host = Substring(text)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return false }
            let inner = text[text.index(after: text.startIndex)..<close]
            guard !inner.isEmpty, inner.utf8.allSatisfy({ isHex($0) || $0 == UInt8(ascii: ":") }) else { return false }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return true }
            guard rest.hasPrefix(":") else { return false }
            return isPort(rest.dropFirst())
        }
        if let colon = text.lastIndex(of: ":") {
            guard isPort(text[text.index(after: colon)...]) else { return false }
            host = text[..<colon]
        }
        guard !host.isEmpty else { return false }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { component in
            let bytes = Array(component.utf8)
            guard let first = bytes.first, let last = bytes.last else { return false }
            return isAlnum(first) && isAlnum(last) && bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
        }
    }

    static func isPort(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.count <= 5 && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
    static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39)
    }
    static func isHex(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46) || (b >= 0x30 && b <= 0x39)
    }
}
