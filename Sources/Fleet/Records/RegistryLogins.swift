import Basics

/// A device's own logins to private registries (`devices/<device>/registry-logins`): written by
/// the operator, readable by that device's credential only (its own prefix), used by its agent
/// to pull a release's images. The passwords never appear in a description, error or log.
public struct RegistryLogins: Sendable, Equatable, Codable, CustomStringConvertible {
    public struct Login: Sendable, Equatable, Codable {
        /// `host` or `host:port`, as image references name it.
        public var registry: String
        public var username: String
        public var password: String

        public init(registry: String, username: String, password: String) {
            self.registry = registry
            self.username = username
            self.password = password
        }
    }

    public var logins: [Login]

    public init(logins: [Login]) { self.logins = logins }

    public static let maximumLogins = 32

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        logins = try c.decode([Login].self, forKey: .logins)
        if let problem { throw DecodingError.dataCorruptedError(forKey: .logins, in: c, debugDescription: problem) }
    }

    enum CodingKeys: String, CodingKey { case logins }

    /// What is wrong, if anything: too many, a registry that is not a host[:port], an empty or
    /// unprintable user or password, a registry twice.
    public var problem: String? {
        if logins.count > Self.maximumLogins { return "more than \(Self.maximumLogins) logins" }
        var seen = Set<String>()
        for (index, login) in logins.enumerated() {
            guard Self.isRegistry(login.registry) else { return "/\(index)/registry '\(login.registry.printable)' is not a host or host:port" }
            guard seen.insert(login.registry).inserted else { return "/\(index)/registry \(login.registry) is given twice" }
            for (field, value) in [("username", login.username), ("password", login.password)]
            where value.isEmpty || value.utf8.count > 4096 || value.hasControlCharacters {
                return "/\(index)/\(field) must be 1-4096 printable bytes"
            }
        }
        return nil
    }

    static func isRegistry(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let host = parts.first, DNSName.isName(String(host)) || isIPv4(String(host)) else { return false }
        if parts.count == 2 { guard let port = Int(parts[1]), (1...65_535).contains(port) else { return false } }
        return true
    }

    static func isIPv4(_ text: String) -> Bool {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { UInt8($0) != nil }
    }

    /// The login for the registry an image reference names, if any.
    public func login(for reference: String) -> Login? {
        let first = reference.split(separator: "/").first.map(String.init) ?? ""
        return logins.first { $0.registry == first }
    }

    public var description: String { "registry logins for \(logins.map(\.registry).joined(separator: ", "))" }
}
