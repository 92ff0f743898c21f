/// A tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
public struct Tag: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public static let latest = Tag(unchecked: "latest")

    public init(_ value: String) throws {
        let bytes = Array(value.utf8)
        guard let first = bytes.first, bytes.count <= 128, Self.isWord(first),
              bytes.allSatisfy({ Self.isWord($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") })
        else { throw ReferenceError.invalidTag(value) }
        self.value = value
    }

    init(unchecked value: String) { self.value = value }

    static func isWord(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "_")
    }

    public var description: String { value }
}
