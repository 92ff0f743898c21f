import Basics
import FoundationEssentials

/// The root of trust: TUF root metadata (`root.json`), so that its rules are TUF's and the
/// reference client can check ours. Its `root` role signs the next root; its `targets` role
/// holds the release keys (they sign releases, revocation lists and rollback
/// authorizations); `snapshot` and `timestamp` are there because TUF requires them and are
/// not used on a box. Read strictly: exactly these fields, ed25519 keys whose ids are their
/// own, every role's key ids known and unique, a threshold the role's keys can meet.
public struct RootMetadata: Sendable, Equatable {
    public static let roleNames = ["root", "targets", "snapshot", "timestamp"]
    public static let maximumBytes = 1 << 20

    public var version: UInt64
    public var expires: Date
    public var keys: [String: TrustKey]
    public var roles: [String: RoleKeys]
    /// The canonical JSON of `signed`: what the signatures are over.
    public var signedBytes: [UInt8]
    public var signatures: [TrustSignature]
    /// The file as read.
    public var bytes: [UInt8]

    public var releaseRole: RoleKeys { roles["targets"] ?? RoleKeys(keyids: [], threshold: 1) }

    public static func parse(_ bytes: [UInt8], document: String, crypto: any TrustCrypto) throws(TrustError) -> RootMetadata {
        guard bytes.count <= maximumBytes else { throw .malformed(document: document, detail: "it is \(bytes.count) bytes; a root is at most \(maximumBytes)") }
        let json: PositionedJSON
        do { json = try JSONReader.parse(bytes, maximumBytes: maximumBytes) }
        catch { throw .malformed(document: document, detail: "\(error.position): \(error.message)") }
        let top = try FieldReader(json, document: document)
        try top.allowOnly(["signed", "signatures"])
        guard let signedNode = top.value("signed") else { throw top.fail("signed", "missing") }
        let signed = try top.object("signed")
        try signed.allowOnly(["_type", "spec_version", "version", "expires", "consistent_snapshot", "keys", "roles"])
        guard try signed.string("_type") == "root" else { throw signed.fail("_type", "expected \"root\"") }
        let spec = try signed.string("spec_version", maximumLength: 32)
        guard spec.hasPrefix("1."), spec.split(separator: ".").allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) else {
            throw signed.fail("spec_version", "'\(spec)' is not a TUF 1.x specification version")
        }
        let version = try signed.integer("version")
        guard version >= 1 else { throw signed.fail("version", "versions start at 1") }
        let expires = try signed.time("expires")
        _ = try signed.bool("consistent_snapshot")

        let keysReader = try signed.object("keys")
        guard keysReader.members.count <= 256 else { throw keysReader.fail(nil, "more than 256 keys") }
        var keys: [String: TrustKey] = [:]
        for member in keysReader.members {
            guard FieldReader.isHex(member.key, length: 64) else { throw keysReader.fail(member.key, "a key id is 64 lower-case hex digits") }
            keys[member.key] = try TrustKey.read(member.value, keyid: member.key, fields: keysReader, crypto: crypto)
        }

        let rolesReader = try signed.object("roles")
        try rolesReader.allowOnly(Set(roleNames))
        var roles: [String: RoleKeys] = [:]
        for name in roleNames {
            let role = try rolesReader.object(name)
            try role.allowOnly(["keyids", "threshold"])
            let keyids = try role.strings("keyids", maximumCount: 256)
            guard Set(keyids).count == keyids.count else { throw role.fail("keyids", "a key id is listed twice") }
            for keyid in keyids where keys[keyid] == nil { throw role.fail("keyids", "key \(keyid.prefix(16)) is not in /signed/keys") }
            let threshold = try role.integer("threshold")
            guard threshold >= 1 else { throw role.fail("threshold", "a threshold is at least 1") }
            let distinct = Set(keyids.compactMap { keys[$0]?.publicKey }).count
            guard threshold <= UInt64(distinct) else { throw role.fail("threshold", "\(threshold) signatures can never be made by \(distinct) distinct key\(distinct == 1 ? "" : "s")") }
            roles[name] = RoleKeys(keyids: keyids, threshold: Int(threshold))
        }

        var signatures: [TrustSignature] = []
        for (index, item) in try top.array("signatures", maximumCount: 256).enumerated() {
            let entry = try FieldReader(item, document: document, pointer: "/signatures/\(index)")
            try entry.allowOnly(["keyid", "sig"])
            let keyid = try entry.hex("keyid", length: 64)
            let sig = try entry.hex("sig", length: 128)
            signatures.append(TrustSignature(keyid: keyid, signature: hexBytes(sig)))
        }
        let canonical: [UInt8]
        do { canonical = try CanonicalJSONValue.encode(signedNode) }
        catch { throw .malformed(document: document, detail: "/signed: \(error.description)") }
        return RootMetadata(version: version, expires: expires, keys: keys, roles: roles, signedBytes: canonical, signatures: signatures, bytes: bytes)
    }

    /// Whether this root's `role` signed `message` with its threshold.
    public func requireSignatures(_ roleName: String, signatures: [TrustSignature], over message: [UInt8], crypto: any TrustCrypto, document: String) throws(TrustError) {
        guard let role = roles[roleName] else { throw .malformed(document: document, detail: "the root has no \(roleName) role") }
        try Threshold.require(role, name: roleName == "targets" ? "release" : roleName, keys: keys, signatures: signatures, message: message, crypto: crypto, document: document)
    }

    /// How many distinct keys of `role` validly signed `message`.
    public func validSignatures(_ roleName: String, signatures: [TrustSignature], over message: [UInt8], crypto: any TrustCrypto) -> Int {
        guard let role = roles[roleName] else { return 0 }
        return Threshold.count(role, keys: keys, signatures: signatures, message: message, crypto: crypto).valid
    }

    /// TUF's rule for the next root (5.3.4-5.3.5): signed by a threshold of this root's root
    /// keys and by a threshold of its own, and exactly one version newer.
    public func verifyNext(_ candidate: RootMetadata, crypto: any TrustCrypto, document: String) throws(TrustError) {
        try requireSignatures("root", signatures: candidate.signatures, over: candidate.signedBytes, crypto: crypto, document: "\(document) (by the trusted root \(version)'s keys)")
        try candidate.requireSignatures("root", signatures: candidate.signatures, over: candidate.signedBytes, crypto: crypto, document: "\(document) (by its own root keys)")
        guard candidate.version == version + 1 else {
            throw .refused(document: document, detail: "it is root version \(candidate.version); the box trusts version \(version), so only \(version + 1) can follow")
        }
    }

    /// A root signed by its own keys only: what a box is given first (its image bakes it in),
    /// checked to be well-formed and self-signed.
    public func verifySelfSigned(crypto: any TrustCrypto, document: String) throws(TrustError) {
        try requireSignatures("root", signatures: signatures, over: signedBytes, crypto: crypto, document: document)
    }
}
