import Basics
import FoundationEssentials

/// What the release keys revoke: releases by counter (of an image), and anything by digest
/// (a release statement, an OS image, a parent image). A digest revokes everything built on
/// it, transitively. Versions only go up: an older list never replaces a newer one (a
/// freeze attack would hand a box last month's list).
public struct RevocationList: Sendable, Equatable, Codable {
    public static let payloadType = "application/vnd.edge-imagesmith.revocations+json"
    public static let type = "edge-imagesmith/revocations"

    public struct Entry: Sendable, Equatable, Codable {
        public var image: String?
        public var releaseCounter: UInt64?
        public var sha256: String?
        public var effective: String
        public var reason: String

        enum CodingKeys: String, CodingKey { case image, releaseCounter = "release_counter", sha256, effective, reason }

        public init(image: String? = nil, releaseCounter: UInt64? = nil, sha256: String? = nil, effective: Date, reason: String) {
            self.image = image
            self.releaseCounter = releaseCounter
            self.sha256 = sha256
            self.effective = TrustTime.format(effective)
            self.reason = reason
        }

        public var effectiveDate: Date { TrustTime.parse(effective) ?? .distantFuture }
    }

    public var type = Self.type
    public var version: UInt64
    public var issuedAt: String
    public var entries: [Entry]

    enum CodingKeys: String, CodingKey { case type = "_type", version, issuedAt = "issued_at", entries }

    public init(version: UInt64, issuedAt: Date, entries: [Entry]) {
        self.version = version
        self.issuedAt = TrustTime.format(issuedAt)
        self.entries = entries
    }

    public func payload() -> [UInt8] { CanonicalJSON.compact(self) }

    static let entryFields: Set<String> = ["image", "release_counter", "sha256", "effective", "reason"]

    public static func parse(_ payload: [UInt8], document: String) throws(TrustError) -> RevocationList {
        let json: PositionedJSON
        do { json = try JSONReader.parse(payload, maximumBytes: Envelope.maximumBytes) }
        catch { throw .malformed(document: document, detail: "the payload: \(error.position): \(error.message)") }
        let fields = try FieldReader(json, document: document)
        try fields.allowOnly(["_type", "version", "issued_at", "entries"])
        guard try fields.string("_type") == type else { throw fields.fail("_type", "expected \"\(type)\"") }
        let version = try fields.integer("version")
        guard version >= 1 else { throw fields.fail("version", "versions start at 1") }
        let issued = try fields.time("issued_at")
        var entries: [Entry] = []
        for (index, item) in try fields.array("entries", maximumCount: 10_000).enumerated() {
            let entry = try FieldReader(item, document: document, pointer: "/entries/\(index)")
            try entry.allowOnly(entryFields)
            let image = try entry.optionalString("image", maximumLength: 63)
            if let image, !ReleaseStatement.isImageName(image) { throw entry.fail("image", "'\(image)' is not an image name") }
            let counter = try entry.optionalInteger("release_counter")
            let digest: String? = entry.has("sha256") ? try entry.hex("sha256", length: 64) : nil
            guard (counter != nil && image != nil && digest == nil) || (digest != nil && counter == nil) else {
                throw entry.fail(nil, "an entry revokes either an image's release_counter (with image) or a sha256")
            }
            let effective = try entry.time("effective")
            let reason = try entry.string("reason", maximumLength: 400)
            guard !reason.hasControlCharacters else { throw entry.fail("reason", "control characters") }
            entries.append(Entry(image: image, releaseCounter: counter, sha256: digest, effective: effective, reason: reason))
        }
        var list = RevocationList(version: version, issuedAt: issued, entries: entries)
        list.type = type
        return list
    }

    /// Why `statement` is revoked at `now`, if it is: by its counter, its own digest, or any
    /// digest it stands on; `others` are the other releases known (installed), through which
    /// a revoked digest reaches further (a release's OS image revoked revokes every release
    /// that names that OS image as a parent).
    public func reason(for statement: ReleaseStatement, digest: String, now: Date, others: [(statement: ReleaseStatement, digest: String)] = []) -> String? {
        let active = entries.filter { $0.effectiveDate <= now }
        for entry in active {
            if let counter = entry.releaseCounter, entry.image == statement.image, counter == statement.releaseCounter {
                return "release counter \(counter) of \(statement.image) is revoked: \(entry.reason)"
            }
        }
        // Digests revoked, and those whose release was revoked by digest, to a fixed point.
        var revoked: [String: String] = [:]
        for entry in active { if let sha = entry.sha256 { revoked[sha] = entry.reason } }
        var known = others
        known.append((statement, digest))
        var changed = true
        while changed {
            changed = false
            for (other, otherDigest) in known where revoked[otherDigest] == nil {
                if let hit = other.ancestry.first(where: { revoked[$0] != nil }) {
                    revoked[otherDigest] = "it is built on \(hit.prefix(12)), which is revoked: \(revoked[hit] ?? "")"
                    if let os = other.osImage?.sha256, revoked[os] == nil { revoked[os] = revoked[otherDigest] }
                    changed = true
                }
            }
        }
        if let why = revoked[digest] { return why.hasPrefix("it is built on") ? why : "sha256 \(digest.prefix(12)) is revoked: \(why)" }
        if let hit = statement.ancestry.first(where: { revoked[$0] != nil }) { return "it is built on \(hit.prefix(12)), which is revoked: \(revoked[hit] ?? "")" }
        return nil
    }
}
