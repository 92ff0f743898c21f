import Basics
import FoundationEssentials

/// A root of trust being made (`imagesmith root init`, `root rotate`): its keys, roles,
/// version and expiry, rendered as the canonical `signed` object TUF signs and as the file a
/// box reads. The file's `signed` is written in canonical form, so what was signed is what
/// any reader canonicalizes.
public struct RootDraft: Sendable, Equatable {
    public static let specVersion = "1.0.31"

    public var version: UInt64
    public var expires: Date
    public var rootKeys: [TrustKey]
    public var rootThreshold: Int
    public var releaseKeys: [TrustKey]
    public var releaseThreshold: Int

    public init(version: UInt64, expires: Date, rootKeys: [TrustKey], rootThreshold: Int, releaseKeys: [TrustKey], releaseThreshold: Int) {
        self.version = version
        self.expires = expires
        self.rootKeys = rootKeys
        self.rootThreshold = rootThreshold
        self.releaseKeys = releaseKeys
        self.releaseThreshold = releaseThreshold
    }

    /// The next root after `root`: the same keys and thresholds, one version newer, for the
    /// caller to change.
    public init(following root: RootMetadata, expires: Date) {
        func keys(_ role: String) -> [TrustKey] { (root.roles[role]?.keyids ?? []).compactMap { root.keys[$0] } }
        self.init(version: root.version + 1, expires: expires, rootKeys: keys("root"), rootThreshold: root.roles["root"]?.threshold ?? 1,
                  releaseKeys: keys("targets"), releaseThreshold: root.releaseRole.threshold)
    }

    /// Refuses a root no box could use: no keys, a key listed twice, a threshold the keys
    /// cannot meet or below 1, an expiry not after `now`.
    public func check(now: Date) throws(TrustError) {
        let document = "the new root"
        for (name, keys, threshold) in [("root", rootKeys, rootThreshold), ("release", releaseKeys, releaseThreshold)] {
            guard !keys.isEmpty else { throw .refused(document: document, detail: "it has no \(name) keys") }
            guard Set(keys.map(\.keyid)).count == keys.count else { throw .refused(document: document, detail: "a \(name) key is given twice") }
            guard threshold >= 1, threshold <= keys.count else {
                throw .refused(document: document, detail: "a \(name) threshold of \(threshold) with \(keys.count) key\(keys.count == 1 ? "" : "s"); it must be 1 to \(keys.count)")
            }
        }
        guard expires > now else { throw .refused(document: document, detail: "it would expire at \(TrustTime.format(expires)), which is not in the future") }
    }

    /// The canonical bytes of `signed`.
    public func signedBytes() -> [UInt8] {
        var keys: [String: JSONValue] = [:]
        for key in rootKeys + releaseKeys {
            keys[key.keyid] = .object(members([
                ("keytype", .string("ed25519")), ("scheme", .string("ed25519")),
                ("keyval", .object(members([("public", .string(key.publicHex))]))),
            ]))
        }
        func role(_ keys: [TrustKey], _ threshold: Int) -> JSONValue {
            .object(members([("keyids", .array(keys.map { PositionedJSON(value: .string($0.keyid)) })), ("threshold", .number(String(threshold)))]))
        }
        let signed: JSONValue = .object(members([
            ("_type", .string("root")),
            ("spec_version", .string(Self.specVersion)),
            ("version", .number(String(version))),
            ("expires", .string(TrustTime.format(expires))),
            ("consistent_snapshot", .bool(false)),
            ("keys", .object(members(keys.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))),
            ("roles", .object(members([
                ("root", role(rootKeys, rootThreshold)),
                ("targets", role(releaseKeys, releaseThreshold)),
                // Required by TUF, unused on a box: the release keys stand in.
                ("snapshot", role(releaseKeys, 1)),
                ("timestamp", role(releaseKeys, 1)),
            ]))),
        ]))
        // Only strings, integers and booleans: always canonicalizable.
        return (try? CanonicalJSONValue.encode(PositionedJSON(value: signed))) ?? []
    }

    /// The root file: `{"signatures": [...], "signed": <canonical signed>}` and a newline.
    public static func file(signedBytes: [UInt8], signatures: [TrustSignature]) -> [UInt8] {
        var out = Array(#"{"signatures":["#.utf8)
        for (index, signature) in signatures.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += Array(#"{"keyid":"\#(signature.keyid)","sig":"\#(signature.signature.map(\.hexByte).joined())"}"#.utf8)
        }
        out += Array(#"],"signed":"#.utf8) + signedBytes + Array("}\n".utf8)
        return out
    }

    /// The file signed by `signers`.
    public func signed(by signers: [any TrustSigning]) throws(TrustError) -> [UInt8] {
        let bytes = signedBytes()
        var signatures: [TrustSignature] = []
        for signer in signers { signatures.append(TrustSignature(keyid: signer.key.keyid, signature: try signer.signature(over: bytes))) }
        return Self.file(signedBytes: bytes, signatures: signatures)
    }

    private func members(_ pairs: [(String, JSONValue)]) -> [(key: String, keyPosition: SourcePosition, value: PositionedJSON)] {
        pairs.map { (key: $0.0, keyPosition: SourcePosition.start, value: PositionedJSON(value: $0.1)) }
    }
}

extension RootMetadata {
    /// This root with one more signature (a signer's own replaces an earlier one of the same
    /// key): what each holder of a root key does in turn.
    public func addingSignature(by signer: any TrustSigning) throws(TrustError) -> [UInt8] {
        var signatures = self.signatures.filter { $0.keyid != signer.key.keyid }
        signatures.append(TrustSignature(keyid: signer.key.keyid, signature: try signer.signature(over: signedBytes)))
        return RootDraft.file(signedBytes: signedBytes, signatures: signatures)
    }
}
