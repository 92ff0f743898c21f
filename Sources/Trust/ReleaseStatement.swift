import Basics
import FoundationEssentials

/// What the release keys sign about a release: which image and version, its counter (which
/// only goes up), when it was issued and until when it may be installed, the hardware it is
/// for, the sha256 of every file of its bundle, its OS image and the parent images it was
/// built from. The payload of an envelope of type `payloadType`.
public struct ReleaseStatement: Sendable, Equatable, Codable {
    public static let payloadType = "application/vnd.edge-imagesmith.release+json"
    public static let type = "edge-imagesmith/release"

    public struct OSImage: Sendable, Equatable, Codable {
        public var version: String
        public var sha256: String

        public init(version: String, sha256: String) {
            self.version = version
            self.sha256 = sha256
        }
    }

    public struct Parent: Sendable, Equatable, Codable {
        /// What the parent is, for people ("qemu source image", "ami-0123…").
        public var name: String
        public var sha256: String

        public init(name: String, sha256: String) {
            self.name = name
            self.sha256 = sha256
        }
    }

    public var type = Self.type
    public var image: String
    public var version: String
    public var releaseCounter: UInt64
    public var issuedAt: String
    public var expires: String
    public var hardware: [String]
    /// Bundle file name -> sha256 (hex).
    public var files: [String: String]
    public var osImage: OSImage?
    public var parents: [Parent]

    enum CodingKeys: String, CodingKey {
        case type = "_type", image, version, releaseCounter = "release_counter", issuedAt = "issued_at", expires, hardware, files
        case osImage = "os_image", parents
    }

    public init(image: String, version: String, releaseCounter: UInt64, issuedAt: Date, expires: Date, hardware: [String],
                files: [String: String], osImage: OSImage?, parents: [Parent]) {
        self.image = image
        self.version = version
        self.releaseCounter = releaseCounter
        self.issuedAt = TrustTime.format(issuedAt)
        self.expires = TrustTime.format(expires)
        self.hardware = hardware
        self.files = files
        self.osImage = osImage
        self.parents = parents
    }

    /// The exact bytes that are signed: canonical JSON, one line.
    public func payload() -> [UInt8] { CanonicalJSON.compact(self) }

    public var expiryDate: Date { TrustTime.parse(expires) ?? .distantPast }

    /// Every digest this release stands on: its OS image and its parents.
    public var ancestry: [String] { (osImage.map { [$0.sha256] } ?? []) + parents.map(\.sha256) }

    public static func parse(_ payload: [UInt8], document: String) throws(TrustError) -> ReleaseStatement {
        let json: PositionedJSON
        do { json = try JSONReader.parse(payload, maximumBytes: Envelope.maximumBytes) }
        catch { throw .malformed(document: document, detail: "the payload: \(error.position): \(error.message)") }
        let fields = try FieldReader(json, document: document)
        try fields.allowOnly(["_type", "image", "version", "release_counter", "issued_at", "expires", "hardware", "files", "os_image", "parents"])
        guard try fields.string("_type") == type else { throw fields.fail("_type", "expected \"\(type)\"") }
        let image = try fields.string("image", maximumLength: 63)
        guard ReleaseStatement.isImageName(image) else { throw fields.fail("image", "'\(image)' is not an image name") }
        let version = try fields.string("version", maximumLength: 16)
        guard Self.isVersion(version) else { throw fields.fail("version", "'\(version)' is not a version YYYY.MM.N") }
        let counter = try fields.integer("release_counter")
        let issued = try fields.time("issued_at")
        let expires = try fields.time("expires")
        guard expires > issued else { throw fields.fail("expires", "it expires before it was issued") }
        let hardware = try fields.strings("hardware", maximumCount: 64)
        guard !hardware.isEmpty, hardware.allSatisfy(Self.isHardware) else { throw fields.fail("hardware", "expected at least one hardware name (letters, digits, '/', '.', '_', '-')") }
        let filesReader = try fields.object("files")
        guard !filesReader.members.isEmpty, filesReader.members.count <= 256 else { throw filesReader.fail(nil, "expected 1 to 256 files") }
        var files: [String: String] = [:]
        for member in filesReader.members {
            guard Self.isFileName(member.key) else { throw filesReader.fail(member.key, "not a bundle file name") }
            files[member.key] = try filesReader.hex(member.key, length: 64)
        }
        var osImage: OSImage?
        if fields.has("os_image") {
            let os = try fields.object("os_image")
            try os.allowOnly(["version", "sha256"])
            let osVersion = try os.string("version", maximumLength: 16)
            guard Self.isVersion(osVersion) else { throw os.fail("version", "'\(osVersion)' is not a version YYYY.MM.N") }
            osImage = OSImage(version: osVersion, sha256: try os.hex("sha256", length: 64))
        }
        var parents: [Parent] = []
        for (index, item) in try fields.array("parents", maximumCount: 64).enumerated() {
            let parent = try FieldReader(item, document: document, pointer: "/parents/\(index)")
            try parent.allowOnly(["name", "sha256"])
            let name = try parent.string("name", maximumLength: 200)
            guard !name.hasControlCharacters else { throw parent.fail("name", "control characters") }
            parents.append(Parent(name: name, sha256: try parent.hex("sha256", length: 64)))
        }
        var statement = ReleaseStatement(image: image, version: version, releaseCounter: counter, issuedAt: issued, expires: expires,
                                         hardware: hardware, files: files, osImage: osImage, parents: parents)
        statement.type = type
        return statement
    }

    static func isVersion(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0].count == 4 && parts[1].count == 2 && (1...6).contains(parts[2].count)
            && parts.allSatisfy { $0.allSatisfy(\.isASCIIDigit) } && !parts[2].hasPrefix("0") && (1...12).contains(Int(parts[1]) ?? 0)
    }

    /// An image name as release.json has it: letters, digits, '-', '_' and '.', up to 63.
    static func isImageName(_ text: String) -> Bool {
        (1...63).contains(text.utf8.count) && !text.hasPrefix(".") && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || "-_.".utf8.contains($0) }
    }

    static func isHardware(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count) && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7a) || "/._-".utf8.contains($0) }
    }

    static func isFileName(_ text: String) -> Bool {
        (1...128).contains(text.utf8.count) && !text.hasPrefix(".") && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || "._-".utf8.contains($0) }
    }
}
