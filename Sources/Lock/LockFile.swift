import Basics
import FoundationEssentials
import ImageReference

/// The pre-pull lock (`<name>.lock.json`): every container of one image version, pinned by
/// digest, or flagged loudly when it is not. Encoded deterministically (sorted keys, fixed
/// layout), so the same lock is always the same bytes.
public struct LockFile: Sendable, Equatable, Codable {
    public static let currentSchema = 1

    public var schemaVersion: Int
    public var image: ImageInfo
    /// sha256 (hex) of the definition file this lock was made from.
    public var definitionSHA256: String
    public var containers: [Container]

    public struct ImageInfo: Sendable, Equatable, Codable {
        public var name: String
        public var version: String

        public init(name: String, version: String) {
            self.name = name
            self.version = version
        }
    }

    public struct PlatformEntry: Sendable, Equatable, Codable {
        public var platform: String
        public var digest: Digest

        public init(platform: String, digest: Digest) {
            self.platform = platform
            self.digest = digest
        }
    }

    /// How the image build gets a container.
    public enum Source: String, Sendable, Equatable, Codable {
        /// Pulled by digest and re-tagged.
        case pinned
        /// Pulled by tag: the definition says `pin: false` (stateful services).
        case tag
        /// Pulled by tag because the tag could not be resolved and `on_unresolved: keep-tag`.
        case unresolvedTag = "unresolved-tag"
        /// Built inside the image from its build context: the pre-built tag does not exist.
        case build
    }

    public struct Container: Sendable, Equatable, Codable {
        /// Compose service name.
        public var name: String
        /// The reference as written in the definition.
        public var reference: String
        /// Normalized repository, e.g. `docker.io/library/postgres`.
        public var repository: String
        public var tag: String?
        public var source: Source
        public var platform: String
        /// Digest of what the tag names (index or manifest).
        public var digest: Digest?
        /// The child manifest for `platform`: what devices pull.
        public var platformDigest: Digest?
        public var mediaType: String?
        public var size: Int?
        public var platforms: [PlatformEntry]?
        /// When the digest was resolved (RFC 3339, UTC).
        public var resolvedAt: String?
        /// Why the container is not pinned, in a sentence (nil when pinned).
        public var note: String?
        /// For `source == build`: the build context and Dockerfile, relative to the definition.
        public var buildContext: String?
        public var dockerfile: String?

        public init(name: String, reference: String, repository: String, tag: String?, source: Source, platform: String,
                    digest: Digest? = nil, platformDigest: Digest? = nil, mediaType: String? = nil, size: Int? = nil,
                    platforms: [PlatformEntry]? = nil, resolvedAt: String? = nil, note: String? = nil,
                    buildContext: String? = nil, dockerfile: String? = nil) {
            self.name = name
            self.reference = reference
            self.repository = repository
            self.tag = tag
            self.source = source
            self.platform = platform
            self.digest = digest
            self.platformDigest = platformDigest
            self.mediaType = mediaType
            self.size = size
            self.platforms = platforms
            self.resolvedAt = resolvedAt
            self.note = note
            self.buildContext = buildContext
            self.dockerfile = dockerfile
        }

        /// `repository@platformDigest`: what devices pull and what the compose override names.
        public var pinnedReference: String? { platformDigest.map { "\(repository)@\($0)" } }
        /// `repository:tag`: the human tag the build re-tags the pinned image to.
        public var taggedReference: String { "\(repository):\(tag ?? "latest")" }
    }

    public init(image: ImageInfo, definitionSHA256: String, containers: [Container]) {
        self.schemaVersion = Self.currentSchema
        self.image = image
        self.definitionSHA256 = definitionSHA256
        self.containers = containers
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", image, definitionSHA256 = "definition_sha256", containers
    }

    /// Containers that are not pinned by digest (flag these loudly).
    public var unpinned: [Container] { containers.filter { $0.source != .pinned } }
}

extension LockFile.Container {
    enum CodingKeys: String, CodingKey {
        case name, reference, repository, tag, source, platform, digest
        case platformDigest = "platform_digest", mediaType = "media_type", size, platforms
        case resolvedAt = "resolved_at", note, buildContext = "build_context", dockerfile
    }
}

/// Why a lock file cannot be used.
public enum LockError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(path: String, detail: String)
    case unsupportedSchema(path: String, version: Int)

    public var description: String {
        switch self {
        case .malformed(let path, let detail): "\(path) is not a valid lock file: \(detail.printableText(limit: 400))"
        case .unsupportedSchema(let path, let version): "\(path) has lock schema_version \(version); this imagesmith reads version \(LockFile.currentSchema)"
        }
    }
}

extension LockFile {
    /// The canonical bytes: pretty, sorted keys, no escaped slashes, trailing newline.
    public func encoded() -> [UInt8] { CanonicalJSON.encode(self) }

    /// The most a lock may be (one is a few kilobytes per container).
    public static let maximumBytes = 16 << 20

    public static func decode(_ bytes: [UInt8], path: String) throws(LockError) -> LockFile {
        guard bytes.count <= maximumBytes else { throw .malformed(path: path, detail: "it is \(bytes.count) bytes; at most \(maximumBytes) are read") }
        struct Version: Decodable { var schema_version: Int? }
        if let version = try? JSONDecoder().decode(Version.self, from: Data(bytes)), let number = version.schema_version, number != currentSchema {
            throw .unsupportedSchema(path: path, version: number)
        }
        do { return try JSONDecoder().decode(LockFile.self, from: Data(bytes)) }
        catch { throw .malformed(path: path, detail: DecodingFailure.describe(error)) }
    }
}
