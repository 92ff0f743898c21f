import Basics
import Foundation
import Signing
import Testing
import TestSupport
@testable import Trust

/// Our verifiers against independent ones on this machine: `openssl pkeyutl` for raw Ed25519
/// signatures (both directions), and python-tuf's reference client for root rotation.
@Suite struct DifferentialTests {
    @Test func ed25519SignaturesAgreeWithOpenSSLPkeyutlBothWays() throws {
        var random = SplitMix64.seeded(for: "ed25519SignaturesAgreeWithOpenSSLPkeyutlBothWays")
        let seed = random.seed
        let dir = try TemporaryDirectory("ed25519")
        // Our key, OpenSSL's verifier.
        let ours = try Ed25519PrivateKey.generate()
        try Data(try ours.publicKey.pem()).write(to: URL(fileURLWithPath: dir.file("ours.pub")))
        // OpenSSL's key, our verifier.
        try ProcessSupport.check("openssl", ["genpkey", "-algorithm", "ed25519", "-out", dir.file("theirs.pem")])
        try ProcessSupport.check("openssl", ["pkey", "-in", dir.file("theirs.pem"), "-pubout", "-out", dir.file("theirs.pub")])
        let theirs = try Ed25519PrivateKey(pem: Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("theirs.pem")))))
        let theirsPublic = try Ed25519PublicKey(pem: Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("theirs.pub")))))
        #expect(theirs.publicKey == theirsPublic)

        for round in 0..<12 {
            // (openssl's -rawin cannot read an empty message; ours is tested on one in-process.)
            let length = [1, 3, 64, 1000, 65_537][round % 5]
            let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            try Data(message).write(to: URL(fileURLWithPath: dir.file("message")))
            // Ours signs, openssl verifies; a flipped bit is refused by both.
            var signature = try ours.sign(message)
            try Data(signature).write(to: URL(fileURLWithPath: dir.file("ours.sig")))
            let verified = try ProcessSupport.run("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", dir.file("ours.pub"), "-rawin", "-in", dir.file("message"), "-sigfile", dir.file("ours.sig")])
            #expect(verified.status == 0, "seed \(seed) round \(round): \(verified.stdout) \(verified.stderr)")
            signature[Int.random(in: 0..<64, using: &random)] ^= 1 << UInt8.random(in: 0...7, using: &random)
            try Data(signature).write(to: URL(fileURLWithPath: dir.file("ours.sig")))
            let flipped = try ProcessSupport.run("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", dir.file("ours.pub"), "-rawin", "-in", dir.file("message"), "-sigfile", dir.file("ours.sig")])
            #expect(flipped.status != 0, "seed \(seed) round \(round): openssl accepted a flipped signature")
            #expect(!ours.publicKey.verify(signature, over: message), "seed \(seed) round \(round)")
            // openssl signs, ours verifies; another message is refused.
            try ProcessSupport.check("openssl", ["pkeyutl", "-sign", "-inkey", dir.file("theirs.pem"), "-rawin", "-in", dir.file("message"), "-out", dir.file("theirs.sig")])
            let theirSignature = Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("theirs.sig"))))
            #expect(theirsPublic.verify(theirSignature, over: message), "seed \(seed) round \(round)")
            #expect(!theirsPublic.verify(theirSignature, over: message + [0]), "seed \(seed) round \(round)")
            #expect(try theirs.sign(message) == theirSignature, "Ed25519 is deterministic: the same key signs the same bytes alike")
        }
        let empty = try ours.sign([])
        #expect(ours.publicKey.verify(empty, over: []))
        #expect(!ours.publicKey.verify(empty, over: [0]))
    }

    /// Chains of roots, each judged by our rule and by python-tuf's `update_root`.
    @Test func rootRotationAgreesWithTheReferenceTUFClient() throws {
        let f = try TrustFixtures(rootKeys: 2)
        let dir = try TemporaryDirectory("tuf")
        let root1 = try f.draft(rootThreshold: 2).signed(by: f.rootKeys)
        try Data(root1).write(to: URL(fileURLWithPath: dir.file("1.root.json")))
        let trusted = try RootMetadata.parse(root1, document: "1.root.json", crypto: f.crypto)
        let newKey = try TrustFixtures.signer()

        var cases: [(name: String, bytes: [UInt8])] = []
        func next(version: UInt64 = 2, keys: [TrustKey]? = nil, threshold: Int = 2, expires: Double = 365) -> RootDraft {
            var draft = RootDraft(following: trusted, expires: f.now.addingTimeInterval(expires * 86_400))
            draft.version = version
            if let keys { draft.rootKeys = keys }
            draft.rootThreshold = threshold
            return draft
        }
        let rotated = next(keys: [f.rootKeys[0].key, newKey.key])
        cases.append(("old threshold and new threshold", try rotated.signed(by: [f.rootKeys[0], f.rootKeys[1], newKey])))
        cases.append(("new keys only", try rotated.signed(by: [newKey])))
        cases.append(("one old key of two", try next().signed(by: [f.rootKeys[0]])))
        cases.append(("version 3 after 1", try next(version: 3).signed(by: f.rootKeys)))
        cases.append(("same version again", try next(version: 1).signed(by: f.rootKeys)))
        cases.append(("expired intermediate", try next(expires: -1).signed(by: f.rootKeys)))
        let bytes = next().signedBytes()
        let wrong = try f.rootKeys[0].signature(over: bytes + [0x20])
        cases.append(("a signature over other bytes", RootDraft.file(signedBytes: bytes, signatures: [
            TrustSignature(keyid: f.rootKeys[0].key.keyid, signature: wrong), TrustSignature(keyid: f.rootKeys[1].key.keyid, signature: try f.rootKeys[1].signature(over: bytes))])))
        cases.append(("a stranger's signature under a trusted key id", RootDraft.file(signedBytes: bytes, signatures: [
            TrustSignature(keyid: f.rootKeys[0].key.keyid, signature: try newKey.signature(over: bytes)), TrustSignature(keyid: f.rootKeys[1].key.keyid, signature: try f.rootKeys[1].signature(over: bytes))])))

        var paths: [String] = []
        for (index, item) in cases.enumerated() {
            let path = dir.file("case-\(index).json")
            try Data(item.bytes).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        // python-tuf is offered each case on its own, from root 1.
        var theirs: [Bool] = []
        for path in paths {
            let output = try ProcessSupport.check("python3", [Fixtures.path("tuf_root_check.py"), dir.file("1.root.json"), path])
            let lines = output.split(separator: "\n")
            #expect(lines.first == "accepted", "python-tuf refused our root 1: \(output)")
            theirs.append(lines.last == "accepted")
        }
        for (index, item) in cases.enumerated() {
            var ours = false
            if let candidate = try? RootMetadata.parse(item.bytes, document: "next", crypto: f.crypto) {
                ours = (try? trusted.verifyNext(candidate, crypto: f.crypto, document: "next")) != nil
            }
            #expect(ours == theirs[index], "\(item.name): ours \(ours ? "accepts" : "refuses"), python-tuf \(theirs[index] ? "accepts" : "refuses")")
        }
        #expect(theirs == [true, false, false, false, false, true, false, false])
    }
}
