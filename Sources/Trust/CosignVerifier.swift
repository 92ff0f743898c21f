import Basics
import FoundationEssentials

/// Cosign key-based ("simple signing") signatures of a container image, checked offline: a
/// payload `{"critical": {"identity": {"docker-reference"}, "image": {"docker-manifest-digest"},
/// "type": "cosign container image signature"}, "optional": ...}` signed with ECDSA P-256 over
/// SHA-256 of its exact bytes. A signature counts when it verifies with the key, names the
/// digest being pinned and the repository it came from. Pure: the payloads come in as bytes.
public enum CosignVerifier {
    public static let signatureType = "cosign container image signature"

    public struct Candidate: Sendable {
        public var payload: [UInt8]
        /// base64 of the DER signature, as the annotation carries it.
        public var signature: String

        public init(payload: [UInt8], signature: String) {
            self.payload = payload
            self.signature = signature
        }
    }

    /// nil when one candidate is a valid signature of `digest` in `repository` by `key`;
    /// otherwise why none is (each candidate's reason).
    public static func problem(_ candidates: [Candidate], key publicKeyPEM: [UInt8], digest: String, repository: (String) -> Bool,
                               crypto: any TrustCrypto) -> String? {
        guard !candidates.isEmpty else { return "the signature manifest holds no signature" }
        var reasons: [String] = []
        for (index, candidate) in candidates.enumerated() {
            if let reason = check(candidate, key: publicKeyPEM, digest: digest, repository: repository, crypto: crypto) {
                reasons.append("signature \(index + 1): \(reason)")
            } else {
                return nil
            }
        }
        return reasons.joined(separator: "; ")
    }

    static func check(_ candidate: Candidate, key: [UInt8], digest: String, repository: (String) -> Bool, crypto: any TrustCrypto) -> String? {
        guard candidate.signature.utf8.count <= 200, let der = Data(base64Encoded: candidate.signature), !der.isEmpty else {
            return "its annotation is not the base64 of a signature"
        }
        guard crypto.verifyECDSAP256(publicKeyPEM: key, signature: Array(der), message: candidate.payload) else {
            return "it does not verify with the key"
        }
        // Signed by the key: now read what it says, strictly.
        guard let json = try? JSONReader.parse(candidate.payload, maximumBytes: 64 << 10), case .object(let top) = json.value,
              let critical = top.first(where: { $0.key == "critical" })?.value, case .object(let fields) = critical.value else {
            return "its payload is not a simple-signing document"
        }
        func string(_ object: String, _ key: String) -> String? {
            guard let node = fields.first(where: { $0.key == object })?.value, case .object(let inner) = node.value,
                  let value = inner.first(where: { $0.key == key })?.value, case .string(let text) = value.value else { return nil }
            return text
        }
        guard let type = fields.first(where: { $0.key == "type" })?.value, case .string(let typeText) = type.value, typeText == signatureType else {
            return "its payload is not of type '\(signatureType)'"
        }
        guard let signedDigest = string("image", "docker-manifest-digest") else { return "its payload names no docker-manifest-digest" }
        guard signedDigest == digest else { return "it signs \(signedDigest.printable), not \(digest)" }
        guard let identity = string("identity", "docker-reference") else { return "its payload names no docker-reference" }
        guard repository(identity) else { return "it was made for \(identity.printable), not this repository" }
        return nil
    }
}
