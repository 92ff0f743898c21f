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

    /// Standard base64 with padding and nothing else (no line breaks, no URL alphabet), in
    /// its one canonical spelling: padding only at the end, and the bits it leaves over zero.
    static func strictBase64(_ text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard bytes.count % 4 == 0 else { return nil }
        func value(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x41...0x5a: byte - 0x41
            case 0x61...0x7a: byte - 0x61 + 26
            case 0x30...0x39: byte - 0x30 + 52
            case 0x2b: 62
            case 0x2f: 63
            default: nil
            }
        }
        let padding = bytes.count >= 1 && bytes[bytes.count - 1] == 0x3d ? (bytes.count >= 2 && bytes[bytes.count - 2] == 0x3d ? 2 : 1) : 0
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 4 * 3)
        var index = 0
        while index < bytes.count {
            let last = index + 4 == bytes.count
            let pads = last ? padding : 0
            guard let a = value(bytes[index]), let b = value(bytes[index + 1]) else { return nil }
            let c = pads >= 2 ? 0 : value(bytes[index + 2])
            let d = pads >= 1 ? 0 : value(bytes[index + 3])
            guard let c, let d else { return nil }
            // Left-over bits must be zero, or two texts would decode to the same bytes.
            if pads == 2 && b & 0x0f != 0 { return nil }
            if pads == 1 && c & 0x03 != 0 { return nil }
            out.append(a << 2 | b >> 4)
            if pads < 2 { out.append((b & 0x0f) << 4 | c >> 2) }
            if pads < 1 { out.append((c & 0x03) << 6 | d) }
            index += 4
        }
        return out
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
