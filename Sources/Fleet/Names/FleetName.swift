import Basics

/// A name in the fleet store: a device, site, channel or rollout. One DNS label (lower-case
/// ASCII letters, digits and '-', 1-63, not starting or ending with '-'), so that it is safe as
/// a key segment, an etcd user name and a file name, and `a` can never be a prefix of `a-b`'s
/// keys (every key puts a '/' after the name).
public struct FleetName: FleetText, Hashable, Comparable, CustomStringConvertible {
    public static let spelling = "a fleet name (a DNS label)"
    public let text: String

    public init?(_ text: String) {
        guard DNSName.isLabel(text) else { return nil }
        self.text = text
    }

    /// Parses `text` as the name of a `what` ("device", "channel", ...) or says why not.
    public static func parse(_ text: String, as what: String) throws(FleetError) -> FleetName {
        guard let name = FleetName(text) else {
            throw .invalidInput("'\(text.printable)' is not a valid \(what) name: expected 1-63 lower-case letters, digits or '-', not starting or ending with '-'")
        }
        return name
    }

    public var description: String { text }
    public static func < (a: FleetName, b: FleetName) -> Bool { a.text < b.text }
}

/// A value spelled as one validated string in a record: decoded only when valid.
public protocol FleetText: Sendable, Codable {
    init?(_ text: String)
    var text: String { get }
    /// What a valid one is, for the error.
    static var spelling: String { get }
}

extension FleetText {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text.printable)' is not \(Self.spelling)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
