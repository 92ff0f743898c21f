import Basics
import FoundationEssentials

/// The release keys' permission to install one older release on boxes that have seen newer
/// ones: names the image, the release's counter and version, and expires. Without one, a
/// release whose counter is lower than the highest a box has installed is refused (the
/// usual way back to old content is a new release, with a higher counter).
public struct RollbackAuthorization: Sendable, Equatable, Codable {
    public static let payloadType = "application/vnd.edge-imagesmith.rollback-authorization+json"
    public static let type = "edge-imagesmith/rollback-authorization"

    public var type = Self.type
    public var image: String
    public var version: String
    public var releaseCounter: UInt64
    public var issuedAt: String
    public var expires: String

    enum CodingKeys: String, CodingKey { case type = "_type", image, version, releaseCounter = "release_counter", issuedAt = "issued_at", expires }

    public init(image: String, version: String, releaseCounter: UInt64, issuedAt: Date, expires: Date) {
        self.image = image
        self.version = version
        self.releaseCounter = releaseCounter
        self.issuedAt = TrustTime.format(issuedAt)
        self.expires = TrustTime.format(expires)
    }

    public func payload() -> [UInt8] { CanonicalJSON.compact(self) }

    public static func parse(_ payload: [UInt8], document: String) throws(TrustError) -> RollbackAuthorization {
        let json: PositionedJSON
        do { json = try JSONReader.parse(payload, maximumBytes: Envelope.maximumBytes) }
        catch { throw .malformed(document: document, detail: "the payload: \(error.position): \(error.message)") }
        let fields = try FieldReader(json, document: document)
        try fields.allowOnly(["_type", "image", "version", "release_counter", "issued_at", "expires"])
        guard try fields.string("_type") == type else { throw fields.fail("_type", "expected \"\(type)\"") }
        let image = try fields.string("image", maximumLength: 63)
        guard ReleaseStatement.isImageName(image) else { throw fields.fail("image", "'\(image)' is not an image name") }
        let version = try fields.string("version", maximumLength: 16)
        guard ReleaseStatement.isVersion(version) else { throw fields.fail("version", "'\(version)' is not a version YYYY.MM.N") }
        var authorization = RollbackAuthorization(image: image, version: version, releaseCounter: try fields.integer("release_counter"),
                                                  issuedAt: try fields.time("issued_at"), expires: try fields.time("expires"))
        authorization.type = type
        return authorization
    }

    public var expiryDate: Date { TrustTime.parse(expires) ?? .distantPast }
}
