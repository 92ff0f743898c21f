import FoundationEssentials
import ImageReference

/// A content descriptor inside an index or manifest.
public struct Descriptor: Sendable, Decodable, Equatable {
    public struct PlatformJSON: Sendable, Decodable, Equatable {
        public var architecture: String
        public var os: String
        public var variant: String?
    }

    public var mediaType: String?
    public var digest: Digest
    public var size: Int64
    public var platform: PlatformJSON?

    public init(mediaType: String?, digest: Digest, size: Int64, platform: PlatformJSON?) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.platform = platform
    }

    public var normalizedPlatform: Platform? {
        platform.map { Platform(os: $0.os, architecture: $0.architecture, variant: $0.variant) }
    }
}

/// The fields of an OCI/Docker index or image manifest that pinning needs.
public struct ManifestDocument: Sendable, Decodable {
    public var schemaVersion: Int?
    public var mediaType: String?
    public var manifests: [Descriptor]?
    public var config: Descriptor?
    public var layers: [Descriptor]?

    public static func decode(_ bytes: [UInt8]) throws -> ManifestDocument {
        try JSONDecoder().decode(ManifestDocument.self, from: Data(bytes))
    }

    /// The media type the document says it is, or the one its shape implies when the optional
    /// `mediaType` field is absent (allowed in OCI).
    public var impliedMediaType: String? {
        if let mediaType { return mediaType }
        if manifests != nil { return MediaType.ociIndex }
        if config != nil { return MediaType.ociManifest }
        return nil
    }

    public var isIndex: Bool { manifests != nil }
}

/// The part of an image config blob that names its platform.
public struct ImageConfigPlatform: Sendable, Decodable {
    public var architecture: String
    public var os: String
    public var variant: String?

    public var platform: Platform { Platform(os: os, architecture: architecture, variant: variant) }
}
