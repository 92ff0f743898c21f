/// A release published to the fleet: immutable once created (the store refuses a second
/// create), pinned by the sha256 of its bundle; `signature` carries the bundle's detached
/// signature envelope (BUNDLE.sig, base64) where releases are signed, and a device installs
/// only through `rollback install`, which verifies it.
public struct ReleaseEntry: Sendable, Equatable, Codable {
    public var version: FleetVersion
    /// sha256 of the release bundle, 64 lower-case hex digits.
    public var bundleSHA256: String
    /// Where a device fetches the bundle (a URL, or a path on a shared mount).
    public var bundle: String?
    public var signature: String?
    public var publishedAt: Int64

    enum CodingKeys: String, CodingKey {
        case version, bundleSHA256 = "bundle_sha256", bundle, signature, publishedAt = "published_at"
    }

    public init(version: FleetVersion, bundleSHA256: String, bundle: String?, signature: String?, publishedAt: Int64) {
        self.version = version
        self.bundleSHA256 = bundleSHA256
        self.bundle = bundle
        self.signature = signature
        self.publishedAt = publishedAt
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(FleetVersion.self, forKey: .version)
        bundleSHA256 = try c.decode(String.self, forKey: .bundleSHA256)
        guard bundleSHA256.utf8.count == 64, bundleSHA256.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            throw DecodingError.dataCorruptedError(forKey: .bundleSHA256, in: c, debugDescription: "expected 64 lower-case hex digits")
        }
        bundle = try c.decodeIfPresent(String.self, forKey: .bundle)
        signature = try c.decodeIfPresent(String.self, forKey: .signature)
        publishedAt = try c.decode(Int64.self, forKey: .publishedAt)
    }
}
