/// An image reference normalized the way distribution/reference's `ParseNormalizedNamed` does:
/// `nginx` is `docker.io/library/nginx:latest`; `name:tag@digest` pins to the digest.
public struct Reference: Hashable, Sendable, CustomStringConvertible {
    public let registry: Registry
    public let repository: Repository
    /// The tag as written, or `latest` when neither a tag nor a digest was given.
    public let tag: Tag?
    public let digest: Digest?

    public init(registry: Registry, repository: Repository, tag: Tag?, digest: Digest?) {
        self.registry = registry
        self.repository = repository
        self.tag = (tag == nil && digest == nil) ? .latest : tag
        self.digest = digest
    }

    public init(parsing text: String) throws {
        guard !text.isEmpty else { throw ReferenceError.empty }
        if text.utf8.count == 64, text.utf8.allSatisfy({ Registry.isHex($0) && !($0 >= 0x41 && $0 <= 0x46) }) {
            throw ReferenceError.hexIdentifierAsName(text)
        }
        var remainder = Substring(text)
        var digest: Digest?
        if let at = remainder.firstIndex(of: "@") {
            digest = try Digest(parsing: String(remainder[remainder.index(after: at)...]))
            remainder = remainder[..<at]
        }
        var tag: Tag?
        if let colon = remainder.lastIndex(of: ":"), !remainder[colon...].contains("/") {
            tag = try Tag(String(remainder[remainder.index(after: colon)...]))
            remainder = remainder[..<colon]
        }
        guard !remainder.isEmpty else { throw ReferenceError.invalidRepository(String(remainder)) }

        let name = String(remainder)
        var registry = Registry.dockerHub
        var path = name
        if let slash = name.firstIndex(of: "/") {
            let first = name[..<slash]
            if first == "localhost" || first.contains(".") || first.contains(":") || first.contains(where: { $0.isUppercase }) {
                registry = try Registry(String(first))
                path = String(name[name.index(after: slash)...])
            }
        }
        if registry == .dockerHub && !path.contains("/") {
            path = "library/" + path
        }
        let fullLength = registry.host.utf8.count + 1 + path.utf8.count
        guard fullLength <= 255 else { throw ReferenceError.tooLong(length: fullLength) }
        self.init(registry: registry, repository: try Repository(path), tag: tag, digest: digest)
    }

    /// `registry/repository`, e.g. `docker.io/library/nginx`.
    public var name: String { "\(registry.host)/\(repository.path)" }

    /// The normalized full reference: `name[:tag][@digest]`.
    public var description: String {
        var text = name
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    /// `name@digest`: the pinned form.
    public func pinned(to digest: Digest) -> String { "\(name)@\(digest)" }

    /// What to ask the registry for: the digest when there is one (it wins over the tag).
    public var manifestReference: String { digest?.description ?? tag?.value ?? "latest" }
}
