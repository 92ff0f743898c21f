/// A repository path inside a registry: lower-case components separated by `/`, each
/// `[a-z0-9]+` joined by `.`, `_`, `__` or runs of `-`.
public struct Repository: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let path: String

    public init(_ path: String) throws {
        guard !path.isEmpty else { throw ReferenceError.invalidRepository(path) }
        if path.contains(where: { $0.isUppercase }) { throw ReferenceError.uppercaseRepository(path) }
        guard path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(Self.isValidComponent) else {
            throw ReferenceError.invalidRepository(path)
        }
        self.path = path
    }

    static func isValidComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        guard let first = bytes.first, let last = bytes.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if isLowerAlnum(byte) { index += 1; continue }
            // A separator run: ".", "_", "__" or one or more "-".
            if byte == UInt8(ascii: ".") {
                index += 1
            } else if byte == UInt8(ascii: "_") {
                index += (index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "_")) ? 2 : 1
            } else if byte == UInt8(ascii: "-") {
                while index < bytes.count && bytes[index] == UInt8(ascii: "-") { index += 1 }
            } else {
                return false
            }
            guard index < bytes.count, isLowerAlnum(bytes[index]) else { return false }
        }
        return true
    }

    static func isLowerAlnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) }

    public var description: String { path }
    public static func < (lhs: Repository, rhs: Repository) -> Bool { lhs.path < rhs.path }
}
