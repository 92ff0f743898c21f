import Basics
import FoundationEssentials

/// A signed document as a detached DSSE envelope (the format in-toto and sigstore use):
/// `{"payloadType", "payload": base64 of the exact bytes, "signatures": [{"keyid", "sig"}]}`.
/// Signatures are over DSSE's pre-authentication encoding of the type and the exact payload
/// bytes, so no re-encoding of JSON is ever trusted, and a signature made for one type of
/// document never passes for another. Read strictly: exactly these fields, strict base64,
/// bounded sizes, nothing after the JSON value.
public struct Envelope: Sendable, Equatable {
    public static let maximumBytes = 1 << 20

    public var payloadType: String
    public var payload: [UInt8]
    public var signatures: [TrustSignature]

    public init(payloadType: String, payload: [UInt8], signatures: [TrustSignature]) {
        self.payloadType = payloadType
        self.payload = payload
        self.signatures = signatures
    }

    /// DSSE v1 PAE: `DSSEv1 <len(type)> <type> <len(payload)> <payload>`.
    public static func preAuthenticationEncoding(type: String, payload: [UInt8]) -> [UInt8] {
        Array("DSSEv1 \(type.utf8.count) \(type) \(payload.count) ".utf8) + payload
    }

    public var signingInput: [UInt8] { Self.preAuthenticationEncoding(type: payloadType, payload: payload) }

    public static func parse(_ bytes: [UInt8], document: String) throws(TrustError) -> Envelope {
        guard !bytes.isEmpty else { throw .unsigned(document: document) }
        guard bytes.count <= maximumBytes else { throw .malformed(document: document, detail: "it is \(bytes.count) bytes; a signed document is at most \(maximumBytes)") }
        let json: PositionedJSON
        do { json = try JSONReader.parse(bytes, maximumBytes: maximumBytes) }
        catch { throw .malformed(document: document, detail: "\(error.position): \(error.message)") }
        let top = try FieldReader(json, document: document)
        try top.allowOnly(["payloadType", "payload", "signatures"])
        let type = try top.string("payloadType", maximumLength: 200)
        let encoded = try top.string("payload", maximumLength: maximumBytes)
        guard let payload = strictBase64(encoded) else { throw top.fail("payload", "not standard base64") }
        var signatures: [TrustSignature] = []
        for (index, item) in try top.array("signatures", maximumCount: 256).enumerated() {
            let entry = try FieldReader(item, document: document, pointer: "/signatures/\(index)")
            try entry.allowOnly(["keyid", "sig"])
            let keyid = try entry.hex("keyid", length: 64)
            guard let signature = strictBase64(try entry.string("sig", maximumLength: 200)), signature.count == 64 else {
                throw entry.fail("sig", "expected the base64 of a 64-byte Ed25519 signature")
            }
            signatures.append(TrustSignature(keyid: keyid, signature: signature))
        }
        return Envelope(payloadType: type, payload: payload, signatures: signatures)
    }

    /// The envelope as written: canonical JSON (sorted keys, no whitespace), one line.
    public func encoded() -> [UInt8] {
        struct Signature: Encodable { var keyid: String; var sig: String }
        struct File: Encodable { var payloadType: String; var payload: String; var signatures: [Signature] }
        return CanonicalJSON.compact(File(payloadType: payloadType, payload: Data(payload).base64EncodedString(),
                                          signatures: signatures.map { Signature(keyid: $0.keyid, sig: Data($0.signature).base64EncodedString()) })) + [0x0a]
    }

    /// The payload after checking that the root's role signed it, with its threshold, as
    /// this type of document.
    public func verifiedPayload(expecting type: String, root: RootMetadata, role: String = "targets", crypto: any TrustCrypto, document: String) throws(TrustError) -> [UInt8] {
        guard payloadType == type else { throw .refused(document: document, detail: "it is a '\(payloadType.printable)' document, not a '\(type)'") }
        guard !signatures.isEmpty else { throw .unsigned(document: document) }
        try root.requireSignatures(role, signatures: signatures, over: signingInput, crypto: crypto, document: document)
        return payload
    }

    /// Standard base64 with padding and nothing else (no line breaks, no URL alphabet).
    static func strictBase64(_ text: String) -> [UInt8]? {
        guard text.utf8.count % 4 == 0, text.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2b || $0 == 0x2f || $0 == 0x3d }),
              let data = Data(base64Encoded: text), Data(data).base64EncodedString() == text else { return nil }
        return Array(data)
    }
}

extension Envelope {
    /// A new envelope of `payloadType` over `payload`, signed by each of `signers`.
    public static func signing(_ payload: [UInt8], type payloadType: String, by signers: [any TrustSigning]) throws(TrustError) -> Envelope {
        var envelope = Envelope(payloadType: payloadType, payload: payload, signatures: [])
        for signer in signers { try envelope.addSignature(by: signer) }
        return envelope
    }

    /// Adds `signer`'s signature (replacing an earlier one of the same key): a second holder
    /// of a release key countersigns what the first signed.
    public mutating func addSignature(by signer: any TrustSigning) throws(TrustError) {
        let signature = try signer.signature(over: signingInput)
        signatures.removeAll { $0.keyid == signer.key.keyid }
        signatures.append(TrustSignature(keyid: signer.key.keyid, signature: signature))
    }
}
