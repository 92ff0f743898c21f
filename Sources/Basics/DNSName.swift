/// Host names as DNS and the boxes' resolvers read them (RFC 1123), in lower case ASCII: the
/// one check the definition (service and image names) and the site spec (host names, search
/// domains) share.
public enum DNSName {
    /// A label: [a-z0-9-]{1,63}, not starting or ending with '-'.
    public static func isLabel(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") }
    }

    /// A name: dot-separated labels (one trailing dot allowed), at most 253 characters.
    public static func isName(_ text: String) -> Bool {
        let trimmed = text.hasSuffix(".") ? String(text.dropLast()) : text
        return (1...253).contains(trimmed.utf8.count) && trimmed.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isLabel(String($0)) }
    }
}
