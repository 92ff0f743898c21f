import Basics
import Foundation
import Signing
import Testing
@testable import Trust

@Suite struct ReleaseVerifierTests {
    typealias Files = [String: [UInt8]]

    /// One refusal: what the attacker changes, and what the refusal must say.
    struct Attack: Sendable, CustomStringConvertible {
        var name: String
        var expected: String
        var description: String { name }
    }

    /// Runs the verifier as a box would, with the attack applied to the inputs.
    func verify(_ attack: String, fixtures f: TrustFixtures) throws -> ReleaseVerifier.Verified {
        var files = TrustFixtures.files
        var statement = f.statement(files: files)
        var signers: [Ed25519Signer] = f.releaseKeys
        var root = try f.root()
        var now = f.now
        var hardware = ["linux/amd64"]
        var highest: ReleaseVerifier.Highest? = ReleaseVerifier.Highest(counter: 202611000003, version: "2026.11.3")
        var revocations: RevocationList?
        var authorization: [UInt8]?
        var envelopeBytes: [UInt8]?
        var image = "edge", version = "2026.12.1"
        let stranger = try TrustFixtures.signer()
        switch attack {
        case "none": break
        case "unknown key": signers = [stranger]
        case "root key instead of release key": signers = f.rootKeys
        case "unsigned": envelopeBytes = Envelope(payloadType: ReleaseStatement.payloadType, payload: statement.payload(), signatures: []).encoded()
        case "empty signature file": envelopeBytes = []
        case "other bytes":
            var envelope = try Envelope.signing(statement.payload(), type: ReleaseStatement.payloadType, by: signers)
            envelope.payload = Array(String(decoding: envelope.payload, as: UTF8.self).replacingOccurrences(of: "2026.12.1", with: "2026.12.9").utf8)
            envelopeBytes = envelope.encoded()
            version = "2026.12.9"
        case "other payload type":
            envelopeBytes = try Envelope.signing(statement.payload(), type: RevocationList.payloadType, by: signers).encoded()
        case "signature for another file":
            let other = f.statement(version: "2026.12.2", counter: 202612000002, files: files)
            let good = try Envelope.signing(other.payload(), type: ReleaseStatement.payloadType, by: signers)
            envelopeBytes = Envelope(payloadType: ReleaseStatement.payloadType, payload: statement.payload(), signatures: good.signatures).encoded()
        case "expired release": now = f.now.addingTimeInterval(91 * 86_400)
        case "expired root": now = f.now.addingTimeInterval(366 * 86_400); statement = f.statement(files: files, expiresIn: 400)
        case "other hardware": statement = f.statement(files: files, hardware: ["linux/arm64", "model/jetson-orin"])
        case "box of other hardware": hardware = ["linux/arm64"]
        case "rollback": highest = .init(counter: 202612000005, version: "2026.12.5")
        case "reused counter": highest = .init(counter: 202612000001, version: "2026.12.7")
        case "mix and match image": image = "other"
        case "mix and match version": version = "2026.12.2"
        case "changed file": files["edge.lock.json"] = Array("{\"lock\":2}".utf8)
        case "extra file": files["evil.sh"] = Array("rm -rf /".utf8)
        case "missing file": files["edge.lock.json"] = nil
        case "threshold bypass by a repeated key id":
            root = try f.root(f.draft(releaseThreshold: 2))
            let signature = try Envelope.signing(statement.payload(), type: ReleaseStatement.payloadType, by: [f.releaseKeys[0]]).signatures[0]
            envelopeBytes = Envelope(payloadType: ReleaseStatement.payloadType, payload: statement.payload(), signatures: [signature, signature]).encoded()
        case "revoked counter":
            revocations = RevocationList(version: 1, issuedAt: f.now, entries: [.init(image: "edge", releaseCounter: 202612000001, effective: f.now.addingTimeInterval(-60), reason: "CVE-2026-0001")])
        case "revoked parent":
            statement = f.statement(files: files, parents: [.init(name: "base disk", sha256: String(repeating: "ab", count: 32))])
            revocations = RevocationList(version: 1, issuedAt: f.now, entries: [.init(sha256: String(repeating: "ab", count: 32), effective: f.now.addingTimeInterval(-60), reason: "base disk compromised")])
        case "revoked os image":
            statement = f.statement(files: files, osImage: .init(version: "2026.12.1", sha256: String(repeating: "cd", count: 32)))
            revocations = RevocationList(version: 1, issuedAt: f.now, entries: [.init(sha256: String(repeating: "cd", count: 32), effective: f.now.addingTimeInterval(-60), reason: "kernel bug")])
        case "revoked by digest":
            let digest = f.crypto.sha256Hex(statement.payload())
            revocations = RevocationList(version: 1, issuedAt: f.now, entries: [.init(sha256: digest, effective: f.now.addingTimeInterval(-60), reason: "pulled")])
        case "revocation not yet effective":
            revocations = RevocationList(version: 1, issuedAt: f.now, entries: [.init(image: "edge", releaseCounter: 202612000001, effective: f.now.addingTimeInterval(3600), reason: "later")])
        case "authorized rollback", "authorization for another release", "expired authorization", "authorization signed by a stranger":
            highest = .init(counter: 202612000005, version: "2026.12.5")
            var permit = RollbackAuthorization(image: "edge", version: "2026.12.1", releaseCounter: 202612000001, issuedAt: f.now, expires: f.now.addingTimeInterval(86_400))
            var permitSigners = signers
            if attack == "authorization for another release" { permit.releaseCounter = 202612000002; permit.version = "2026.12.2" }
            if attack == "expired authorization" { permit = RollbackAuthorization(image: "edge", version: "2026.12.1", releaseCounter: 202612000001, issuedAt: f.now.addingTimeInterval(-7200), expires: f.now.addingTimeInterval(-3600)) }
            if attack == "authorization signed by a stranger" { permitSigners = [stranger] }
            authorization = try Envelope.signing(permit.payload(), type: RollbackAuthorization.payloadType, by: permitSigners).encoded()
        case "trailing garbage": envelopeBytes = try f.envelope(statement, signers: signers) + Array("{}".utf8)
        case "endless data": envelopeBytes = [UInt8](repeating: 0x20, count: Envelope.maximumBytes + 1)
        case "non-canonical base64":
            let text = String(decoding: try f.envelope(statement, signers: signers), as: UTF8.self)
            envelopeBytes = Array(text.replacingOccurrences(of: #""payload":""#, with: #""payload":"\n"#).utf8)
        default: Issue.record("unknown attack \(attack)")
        }
        let bytes = try envelopeBytes ?? f.envelope(statement, signers: signers)
        let verifier = ReleaseVerifier(root: root, crypto: f.crypto, now: now, hardware: hardware, highest: highest, revocations: revocations, authorization: authorization)
        return try verifier.verify(bytes, document: "edge-2026.12.1.tar.gz.sig", image: image, version: version, files: files)
    }

    static let refused: [Attack] = [
        .init(name: "unknown key", expected: "0 valid signatures from the release keys, 1 needed (key "),
        .init(name: "root key instead of release key", expected: "is not one of the role's"),
        .init(name: "unsigned", expected: "has no signature"),
        .init(name: "empty signature file", expected: "has no signature"),
        .init(name: "other bytes", expected: "does not verify"),
        .init(name: "other payload type", expected: "not a 'application/vnd.edge-imagesmith.release+json'"),
        .init(name: "signature for another file", expected: "does not verify"),
        .init(name: "expired release", expected: "it expired at"),
        .init(name: "expired root", expected: "root of trust (version 1) expired"),
        .init(name: "other hardware", expected: "it is for linux/arm64, model/jetson-orin, and this box is linux/amd64"),
        .init(name: "box of other hardware", expected: "this box is linux/arm64"),
        .init(name: "rollback", expected: "is lower than the highest this box has installed (202612000005, 2026.12.5)"),
        .init(name: "reused counter", expected: "was already used by 2026.12.7"),
        .init(name: "mix and match image", expected: "it signs edge 2026.12.1, but the bundle is other 2026.12.1"),
        .init(name: "mix and match version", expected: "but the bundle is edge 2026.12.2"),
        .init(name: "changed file", expected: "edge.lock.json hashes to"),
        .init(name: "extra file", expected: "the bundle has evil.sh, which the release does not sign"),
        .init(name: "missing file", expected: "the bundle lacks edge.lock.json"),
        .init(name: "threshold bypass by a repeated key id", expected: "1 valid signature from the release keys, 2 needed"),
        .init(name: "revoked counter", expected: "revoked: release counter 202612000001 of edge is revoked: CVE-2026-0001"),
        .init(name: "revoked parent", expected: "it is built on abababababab, which is revoked: base disk compromised"),
        .init(name: "revoked os image", expected: "which is revoked: kernel bug"),
        .init(name: "revoked by digest", expected: "is revoked: pulled"),
        .init(name: "authorization for another release", expected: "it authorizes edge 2026.12.2 (counter 202612000002), not edge 2026.12.1"),
        .init(name: "expired authorization", expected: "the rollback authorization is refused: it expired"),
        .init(name: "authorization signed by a stranger", expected: "the rollback authorization is not signed as required"),
        .init(name: "trailing garbage", expected: "is not a valid signed document"),
        .init(name: "endless data", expected: "a signed document is at most 1048576"),
        .init(name: "non-canonical base64", expected: "/payload: not standard base64"),
    ]

    @Test(arguments: refused)
    func refusals(attack: Attack) throws {
        let fixtures = try TrustFixtures(releaseKeys: 2)
        do {
            _ = try verify(attack.name, fixtures: fixtures)
            Issue.record("\(attack.name): accepted")
        } catch let error as TrustError {
            #expect(error.description.contains(attack.expected), "\(attack.name): \(error.description)")
            #expect(error.exitStatus == .dataError)
        }
    }

    @Test(arguments: ["none", "revocation not yet effective", "authorized rollback"])
    func acceptances(attack: String) throws {
        let fixtures = try TrustFixtures(releaseKeys: 2)
        let verified = try verify(attack, fixtures: fixtures)
        #expect(verified.statement.version == "2026.12.1")
        #expect(verified.authorizedRollback == (attack == "authorized rollback"))
        #expect(verified.digest.count == 64)
    }

    @Test func aThresholdOfTwoIsMetByTwoDistinctReleaseKeys() throws {
        let f = try TrustFixtures(releaseKeys: 3)
        let root = try f.root(f.draft(releaseThreshold: 2))
        let statement = f.statement(files: TrustFixtures.files)
        var envelope = try Envelope.signing(statement.payload(), type: ReleaseStatement.payloadType, by: [f.releaseKeys[0]])
        let verifier = ReleaseVerifier(root: root, crypto: f.crypto, now: f.now, hardware: ["linux/amd64"])
        #expect(throws: TrustError.self) { try verifier.verify(envelope.encoded(), document: "sig", image: "edge", version: "2026.12.1", files: TrustFixtures.files) }
        try envelope.addSignature(by: f.releaseKeys[2])
        _ = try verifier.verify(envelope.encoded(), document: "sig", image: "edge", version: "2026.12.1", files: TrustFixtures.files)
    }
}
