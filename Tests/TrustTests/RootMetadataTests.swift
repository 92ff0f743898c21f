import Basics
import Foundation
import Signing
import Testing
@testable import Trust

@Suite struct RootMetadataTests {
    @Test func aDraftSignedByItsRootKeyReadsBackAsMade() throws {
        let fixtures = try TrustFixtures(rootKeys: 2, releaseKeys: 3)
        let root = try fixtures.root(fixtures.draft(rootThreshold: 2, releaseThreshold: 2))
        #expect(root.version == 1)
        #expect(root.roles["root"] == RoleKeys(keyids: fixtures.rootKeys.map(\.key.keyid), threshold: 2))
        #expect(root.releaseRole == RoleKeys(keyids: fixtures.releaseKeys.map(\.key.keyid), threshold: 2))
        try root.verifySelfSigned(crypto: fixtures.crypto, document: "root.json")
        // The file's signed object is already canonical: what was signed is what is read.
        #expect(root.signedBytes == fixtures.draft(rootThreshold: 2, releaseThreshold: 2).signedBytes())
    }

    @Test func keyIDsAreTheSHA256OfTheCanonicalKeyObject() throws {
        let signer = try TrustFixtures.signer()
        let object = #"{"keytype":"ed25519","keyval":{"public":"\#(signer.key.publicHex)"},"scheme":"ed25519"}"#
        #expect(signer.key.keyid == OpenSSLTrustCrypto().sha256Hex(Array(object.utf8)))
    }

    @Test func aThresholdIsNotMetByOneKeySigningTwice() throws {
        let fixtures = try TrustFixtures(rootKeys: 2)
        let draft = fixtures.draft(rootThreshold: 2)
        let bytes = draft.signedBytes()
        let one = fixtures.rootKeys[0]
        let signature = try one.signature(over: bytes)
        let file = RootDraft.file(signedBytes: bytes, signatures: [TrustSignature(keyid: one.key.keyid, signature: signature),
                                                                   TrustSignature(keyid: one.key.keyid, signature: signature)])
        let root = try RootMetadata.parse(file, document: "root.json", crypto: fixtures.crypto)
        #expect(throws: TrustError.self) { try root.verifySelfSigned(crypto: fixtures.crypto, document: "root.json") }
        let both = try draft.signed(by: fixtures.rootKeys)
        try RootMetadata.parse(both, document: "root.json", crypto: fixtures.crypto).verifySelfSigned(crypto: fixtures.crypto, document: "root.json")
    }

    @Test func theNextRootNeedsTheOldKeysAndItsOwnAndExactlyTheNextVersion() throws {
        let fixtures = try TrustFixtures()
        let root1 = try fixtures.root()
        let newRootKey = try TrustFixtures.signer()
        var next = RootDraft(following: root1, expires: fixtures.now.addingTimeInterval(86_400 * 365))
        next.rootKeys = [newRootKey.key]
        // Signed by both: accepted.
        let good = try RootMetadata.parse(try next.signed(by: [fixtures.rootKeys[0], newRootKey]), document: "2.root.json", crypto: fixtures.crypto)
        try root1.verifyNext(good, crypto: fixtures.crypto, document: "2.root.json")
        // Only the new key (an attacker's root): refused by the old keys.
        let selfMade = try RootMetadata.parse(try next.signed(by: [newRootKey]), document: "2.root.json", crypto: fixtures.crypto)
        #expect(throws: TrustError.self) { try root1.verifyNext(selfMade, crypto: fixtures.crypto, document: "2.root.json") }
        // Only the old key: the new root's own threshold is not met.
        let oldOnly = try RootMetadata.parse(try next.signed(by: [fixtures.rootKeys[0]]), document: "2.root.json", crypto: fixtures.crypto)
        #expect(throws: TrustError.self) { try root1.verifyNext(oldOnly, crypto: fixtures.crypto, document: "2.root.json") }
        // Fast-forward: version 3 directly after 1.
        next.version = 3
        let skipped = try RootMetadata.parse(try next.signed(by: [fixtures.rootKeys[0], newRootKey]), document: "3.root.json", crypto: fixtures.crypto)
        #expect(throws: TrustError.refused(document: "3.root.json", detail: "it is root version 3; the box trusts version 1, so only 2 can follow")) {
            try root1.verifyNext(skipped, crypto: fixtures.crypto, document: "3.root.json")
        }
    }

    static let malformed: [(String, @Sendable (inout String) -> Void, String)] = [
        ("unknown top field", { $0 = $0.replacingOccurrences(of: #"{"signatures""#, with: #"{"extra":1,"signatures""#) }, "/extra: unknown field"),
        ("wrong type", { $0 = $0.replacingOccurrences(of: #""_type":"root""#, with: #""_type":"targets""#) }, "/signed/_type"),
        ("version 0", { $0 = $0.replacingOccurrences(of: #""version":1"#, with: #""version":0"#) }, "/signed/version: versions start at 1"),
        ("negative version", { $0 = $0.replacingOccurrences(of: #""version":1"#, with: #""version":-1"#) }, "/signed/version"),
        ("float version", { $0 = $0.replacingOccurrences(of: #""version":1"#, with: #""version":1.0"#) }, "/signed/version"),
        ("fractional expiry", { $0 = $0.replacingOccurrences(of: #"Z","keys""#, with: #".5Z","keys""#) }, "/signed/expires"),
        ("duplicate key", { $0 = $0.replacingOccurrences(of: #""version":1"#, with: #""version":1,"version":1"#) }, "duplicate"),
        ("trailing garbage", { $0 += "{}" }, "after"),
        ("rsa key", { $0 = $0.replacingOccurrences(of: #""keytype":"ed25519""#, with: #""keytype":"rsa""#) }, "only ed25519 keys"),
        ("threshold too high", { $0 = $0.replacingOccurrences(of: #"],"threshold":1},"snapshot""#, with: #"],"threshold":2},"snapshot""#) }, "can never be made"),
        ("threshold 0", { $0 = $0.replacingOccurrences(of: #"],"threshold":1},"snapshot""#, with: #"],"threshold":0},"snapshot""#) }, "at least 1"),
        ("upper-case hex sig", { text in
            guard let range = text.range(of: #""sig":""#) else { return }
            let hex = text[range.upperBound...].prefix(128)
            text.replaceSubrange(range.upperBound..<text.index(range.upperBound, offsetBy: 128), with: hex.uppercased())
        }, "/signatures/0/sig"),
    ]

    @Test(arguments: malformed.indices)
    func malformedRootsAreRefusedWithTheirPointer(index: Int) throws {
        let (name, mutate, expected) = Self.malformed[index]
        let fixtures = try TrustFixtures()
        var text = String(decoding: try fixtures.draft().signed(by: fixtures.rootKeys), as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        mutate(&text)
        do {
            let root = try RootMetadata.parse(Array(text.utf8), document: "root.json", crypto: fixtures.crypto)
            try root.verifySelfSigned(crypto: fixtures.crypto, document: "root.json")
            Issue.record("\(name): accepted")
        } catch {
            #expect(error.description.contains(expected), "\(name): \(error.description)")
        }
    }

    @Test func aKeyIDThatIsNotItsKeysIsRefused() throws {
        let fixtures = try TrustFixtures()
        let other = try TrustFixtures.signer()
        var text = String(decoding: try fixtures.draft().signed(by: fixtures.rootKeys), as: UTF8.self)
        text = text.replacingOccurrences(of: fixtures.rootKeys[0].key.publicHex, with: other.key.publicHex)
        #expect(throws: TrustError.self) { try RootMetadata.parse(Array(text.utf8), document: "root.json", crypto: fixtures.crypto) }
    }
}
