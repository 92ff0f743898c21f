import Basics
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address, parsed with inet_pton and kept as bytes.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Family: String, Sendable { case v4 = "IPv4", v6 = "IPv6" }
    public let bytes: [UInt8]
    public let text: String

    public var family: Family { bytes.count == 4 ? .v4 : .v6 }

    public init?(_ text: String) {
        guard text.utf8.count <= 45, text.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        var v4 = in_addr()
        if text.contains("."), !text.contains(":"), inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: v4) { Array($0) }
            self.text = text
            return
        }
        var v6 = in6_addr()
        if text.contains(":"), inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: v6) { Array($0) }
            self.text = text
            return
        }
        return nil
    }

    public var description: String { text }
}

/// An address with a prefix length, as netplan writes interface addresses (`10.20.0.10/24`).
public struct InterfaceAddress: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let prefix = Int(asciiDecimal: parts[1]),
              (0...(address.family == .v4 ? 32 : 128)).contains(prefix) else { return nil }
        self.address = address
        self.prefix = prefix
    }

    public var family: IPAddress.Family { address.family }
    public var description: String { "\(address)/\(prefix)" }

    /// Whether `other` lies in this address's subnet.
    public func contains(_ other: IPAddress) -> Bool {
        guard other.family == family else { return false }
        return Self.samePrefix(address.bytes, other.bytes, bits: prefix)
    }

    /// Whether the two subnets share any address.
    public func overlaps(_ other: InterfaceAddress) -> Bool {
        guard other.family == family else { return false }
        return Self.samePrefix(address.bytes, other.address.bytes, bits: min(prefix, other.prefix))
    }

    static func samePrefix(_ a: [UInt8], _ b: [UInt8], bits: Int) -> Bool {
        var remaining = bits
        for index in a.indices where remaining > 0 {
            let take = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
            if a[index] & mask != b[index] & mask { return false }
            remaining -= take
        }
        return true
    }

    /// `to` of a route: a network (host bits may be set; netplan accepts that too).
    public var isDefaultRoute: Bool { prefix == 0 }
}

public enum Names {
    /// RFC 1123 label, lower case: [a-z0-9-]{1,63}, not starting or ending with '-'.
    public static func isHostnameLabel(_ text: String) -> Bool { DNSName.isLabel(text) }

    /// A DNS name: dot-separated labels, at most 253 characters.
    public static func isDomainName(_ text: String) -> Bool { DNSName.isName(text) }

    /// `00:11:22:33:44:55`, lower or upper case.
    public static func isMAC(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 6 && parts.allSatisfy { $0.count == 2 && $0.allSatisfy(\.isASCIIHexDigit) }
    }

    /// A kernel interface name: 1-15 characters, no '/', ':' or space.
    public static func isInterfaceName(_ text: String) -> Bool {
        (1...15).contains(text.utf8.count) && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || "-_.".utf8.contains($0) }
    }

    /// `https://host[:port][/path]`: a DNS name or an IP address (IPv6 in brackets), a port
    /// 1-65535, no user information, and nothing a URL parser or an HTTP request line would
    /// read differently (no spaces, control characters or backslashes), at most 2048 bytes.
    public static func isRegistrationURL(_ text: String) -> Bool {
        guard text.utf8.count <= 2048, text.hasPrefix("https://"),
              text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "\\") }) else { return false }
        let rest = text.dropFirst(8)
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = String(rest[..<end])
        guard !authority.contains("@") else { return false }
        var host = authority
        var port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return false }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty { guard after.hasPrefix(":") else { return false }; port = after.dropFirst() }
            guard IPAddress(host)?.family == .v6 else { return false }
        } else {
            if let colon = authority.firstIndex(of: ":") {
                host = String(authority[..<colon])
                port = authority[authority.index(after: colon)...]
            }
            guard DNSName.isName(host.lowercased()) || IPAddress(host)?.family == .v4 else { return false }
        }
        if let port { guard let number = Int(asciiDecimal: port), (1...65535).contains(number) else { return false } }
        return true
    }

    /// An absolute path on the box: `/a/b`, no empty, `.` or `..` components, no control characters.
    public static func isBoxPath(_ text: String) -> Bool {
        text.hasPrefix("/") && text.count > 1 && text.utf8.count <= 1024 && !text.hasControlCharacters
            && text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    /// An IANA zone name such as America/Chicago or UTC (its presence is checked separately).
    public static func isZoneName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && !text.hasPrefix("/") && !text.split(separator: "/").contains("..")
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || "-_+/".utf8.contains($0) }
    }
}
