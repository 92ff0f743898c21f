import Basics

/// An Ed25519 public key as TUF metadata names it: its key object
/// `{"keytype":"ed25519","keyval":{"public":HEX},"scheme":"ed25519"}` and its key id, the
/// SHA-256 of that object's canonical JSON. A key id is checked against its key wherever one
/// is read: two ids can never name one key.
public struct TrustKey: Sendable, Equatable, Hashable {
    public let publicKey: [UInt8]
    public let keyid: String

    public init(publicKey: [UInt8], crypto: any TrustCrypto) {
        self.publicKey = publicKey
        keyid = crypto.sha256Hex(Self.canonicalObject(publicKey))
    }

    public var publicHex: String { publicKey.map(\.hexByte).joined() }

    static func canonicalObject(_ publicKey: [UInt8]) -> [UInt8] {
        Array(#"{"keytype":"ed25519","keyval":{"public":"\#(publicKey.map(\.hexByte).joined())"},"scheme":"ed25519"}"#.utf8)
    }

    /// Reads a key object; `keyid` must be its own.
    static func read(_ node: PositionedJSON, keyid: String, fields: FieldReader, crypto: any TrustCrypto) throws(TrustError) -> TrustKey {
        let object = try FieldReader(node, document: fields.document, pointer: JSONPointer.appending(fields.pointer, key: keyid))
        try object.allowOnly(["keytype", "scheme", "keyval"])
        guard try object.string("keytype") == "ed25519", try object.string("scheme") == "ed25519" else {
            throw object.fail(nil, "only ed25519 keys (keytype and scheme ed25519) are used")
        }
        let value = try object.object("keyval")
        try value.allowOnly(["public"])
        let hex = try value.hex("public", length: 64)
        let key = TrustKey(publicKey: hexBytes(hex), crypto: crypto)
        guard key.keyid == keyid else { throw object.fail(nil, "the key id is not this key's (sha256 of its canonical key object is \(key.keyid))") }
        return key
    }
}

/// The keys one role signs with and how many of them must sign.
public struct RoleKeys: Sendable, Equatable {
    public var keyids: [String]
    public var threshold: Int

    public init(keyids: [String], threshold: Int) {
        self.keyids = keyids
        self.threshold = threshold
    }
}

/// A signature as metadata carries it: the key id it claims and the raw signature bytes.
public struct TrustSignature: Sendable, Equatable {
    public var keyid: String
    public var signature: [UInt8]

    public init(keyid: String, signature: [UInt8]) {
        self.keyid = keyid
        self.signature = signature
    }
}

/// Counts signatures for a role: only keys the role lists, each distinct key once (a key id
/// repeated, or one key under two ids, never counts twice), each over exactly `message`.
enum Threshold {
    struct Count {
        var valid: Int
        var notes: [String]
    }

    static func count(_ role: RoleKeys, keys: [String: TrustKey], signatures: [TrustSignature], message: [UInt8], crypto: any TrustCrypto) -> Count {
        var counted = Set<[UInt8]>()
        var notes: [String] = []
        for signature in signatures {
            guard role.keyids.contains(signature.keyid), let key = keys[signature.keyid] else {
                notes.append("key \(signature.keyid.prefix(16)) is not one of the role's")
                continue
            }
            guard !counted.contains(key.publicKey) else { continue }
            if crypto.verifyEd25519(publicKey: key.publicKey, signature: signature.signature, message: message) {
                counted.insert(key.publicKey)
            } else {
                notes.append("the signature of key \(signature.keyid.prefix(16)) does not verify")
            }
        }
        return Count(valid: counted.count, notes: notes)
    }

    static func require(_ role: RoleKeys, name: String, keys: [String: TrustKey], signatures: [TrustSignature], message: [UInt8],
                        crypto: any TrustCrypto, document: String) throws(TrustError) {
        let result = count(role, keys: keys, signatures: signatures, message: message, crypto: crypto)
        guard result.valid >= role.threshold else {
            throw .signatures(document: document, detail: "\(result.valid) valid signature\(result.valid == 1 ? "" : "s") from the \(name) keys, \(role.threshold) needed"
                              + (result.notes.isEmpty ? "" : " (" + result.notes.prefix(4).joined(separator: "; ") + ")"))
        }
    }
}

/// Lower-case hex to bytes (the text was checked to be hex).
func hexBytes(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    func value(_ digit: UInt8) -> UInt8 { digit >= 0x61 ? digit - 0x61 + 10 : digit - 0x30 }
    var index = 0
    while index + 1 < digits.count {
        bytes.append(value(digits[index]) << 4 | value(digits[index + 1]))
        index += 2
    }
    return bytes
}
