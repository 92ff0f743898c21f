import Foundation
import OCILayout
import Testing
import TestSupport

/// Cosign key-based signatures of third-party images, checked by `imagesmith build` offline
/// from what the registry stores. The signatures are made by an independent signer
/// (Tests/TestSupport/Fixtures/cosign_fixture.py: Python's `cryptography`, cosign's layout:
/// a `sha256-<hex>.sig` image whose layer is the simple-signing payload). Debian's skopeo
/// reads such signatures but is built with sigstore disabled ("Debian-local change: sigstore
/// disabled", for signing and for its sigstoreSigned policy alike), so the independent
/// verifier here is `openssl dgst -verify` over the same payloads.
@Suite(.serialized) struct CosignTests {
    struct World {
        let directory: TemporaryDirectory
        let registry: RegistryServer
        var digests: [String: String] = [:]

        func sign(_ repository: String, key: String = "cosign.pem", payloadDigest: String? = nil, tagDigest: String? = nil, identity: String? = nil) throws {
            var arguments = [Fixtures.path("cosign_fixture.py"), "sign", registry.host, "edge/\(repository)", digests[repository] ?? "", directory.file(key)]
            if let payloadDigest { arguments += ["--payload-digest", payloadDigest] }
            if let tagDigest { arguments += ["--tag-digest", tagDigest] }
            if let identity { arguments += ["--identity", identity] }
            try ProcessSupport.check("python3", arguments)
        }
    }

    static func world() throws -> World {
        let directory = try TemporaryDirectory("cosign")
        let storage = directory.file("storage")
        try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
        let registry = try RegistryServer(storage: storage)
        var world = World(directory: directory, registry: registry)
        let writer = OCILayoutWriter(directory: URL(fileURLWithPath: directory.file("layout")))
        for name in ["signed", "unsigned", "reused", "wrongkey", "elsewhere"] {
            let written = try writer.write(tag: name, platforms: [.init("linux/amd64")], seed: "cosign-\(name)")
            try ProcessSupport.check("skopeo", ["copy", "--quiet", "--preserve-digests", "--dest-tls-verify=false",
                                                "oci:\(directory.file("layout")):\(name)", "docker://\(registry.host)/edge/\(name):v1"])
            world.digests[name] = written.digest
        }
        try ProcessSupport.check("python3", [Fixtures.path("cosign_fixture.py"), "keygen", directory.path])
        let other = try TemporaryDirectory("cosign-other")
        try ProcessSupport.check("python3", [Fixtures.path("cosign_fixture.py"), "keygen", other.path])
        try FileManager.default.copyItem(atPath: other.file("cosign.pem"), toPath: directory.file("other.pem"))
        try world.sign("signed")
        // The signature of `signed`'s digest, stored for `reused`'s digest: a valid signature of
        // another image.
        try world.sign("reused", payloadDigest: world.digests["signed"], tagDigest: world.digests["reused"])
        try world.sign("wrongkey", key: "other.pem")
        try world.sign("elsewhere", identity: "\(registry.host)/edge/signed")
        return world
    }

    func build(_ world: World, _ name: String, required: Bool = true) async throws -> (ResolveRun, BuildFixture) {
        let fixture = try BuildFixture(containers: "  - {name: app, image: \"\(world.registry.host)/edge/\(name):v1\", platform: linux/amd64, signature: {key: keys/cosign.pub, required: \(required)}}")
        try FileManager.default.createDirectory(atPath: fixture.directory.file("keys"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: world.directory.file("cosign.pub"), toPath: fixture.directory.file("keys/cosign.pub"))
        let run = await fixture.run({ $0.request.imageVersion = "2026.12.1" }, insecure: [world.registry.host])
        return (run, fixture)
    }

    @Test func signaturesAreCheckedAgainstTheKeyTheDigestAndTheRepository() async throws {
        let world = try Self.world()
        defer { world.registry.stop() }
        let (signed, fixture) = try await build(world, "signed")
        #expect(signed.code == 0, "\(signed.stderr)")
        #expect(try fixture.lock().containers.first?.digest?.description == world.digests["signed"])

        let refusals: [(String, String)] = [
            ("unsigned", "has no cosign signature (no sha256-<digest>.sig in its repository), and /containers/0/signature requires one"),
            ("reused", "it signs \(world.digests["signed"] ?? ""), not \(world.digests["reused"] ?? "")"),
            ("wrongkey", "it does not verify with the key"),
            ("elsewhere", "it was made for \(world.registry.host)/edge/signed, not this repository"),
        ]
        for (name, expected) in refusals {
            let (run, refused) = try await build(world, name)
            #expect(run.code == 1 && run.stderr.contains(expected), "\(name): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: refused.out), "\(name): nothing is written")
        }
        // Not required: a missing signature is a note; a bad one still fails.
        let (optional, _) = try await build(world, "unsigned", required: false)
        #expect(optional.code == 0 && optional.stderr.contains("has no cosign signature (not required)"), "\(optional.stderr)")
        let (bad, _) = try await build(world, "wrongkey", required: false)
        #expect(bad.code == 1, "\(bad.stderr)")
    }

    /// The raw ECDSA signatures, judged by openssl as by the build: valid with the right key,
    /// not with the other.
    @Test func theSignaturesVerdictsAgreeWithOpenSSL() async throws {
        let world = try Self.world()
        defer { world.registry.stop() }
        for (name, valid) in [("signed", true), ("wrongkey", false)] {
            let digest = try #require(world.digests[name])
            let tag = digest.replacingOccurrences(of: ":", with: "-") + ".sig"
            let manifestText = try await ProcessSupport.checkDetached("curl", ["-sSf", "-H", "Accept: application/vnd.oci.image.manifest.v1+json",
                                                                               "http://\(world.registry.host)/v2/edge/\(name)/manifests/\(tag)"])
            let manifest = try #require(try JSONSerialization.jsonObject(with: Data(manifestText.utf8)) as? [String: Any])
            let layer = try #require((manifest["layers"] as? [[String: Any]])?.first)
            let annotation = try #require((layer["annotations"] as? [String: String])?["dev.cosignproject.cosign/signature"])
            let payloadPath = world.directory.file("\(name).payload"), signaturePath = world.directory.file("\(name).sig")
            try await ProcessSupport.checkDetached("curl", ["-sSf", "-o", payloadPath, "http://\(world.registry.host)/v2/edge/\(name)/blobs/\(layer["digest"] as? String ?? "")"])
            try Data(base64Encoded: annotation)?.write(to: URL(fileURLWithPath: signaturePath))
            let openssl = try await ProcessSupport.runDetached("openssl", ["dgst", "-sha256", "-verify", world.directory.file("cosign.pub"), "-signature", signaturePath, payloadPath])
            #expect((openssl.status == 0) == valid, "\(name): openssl says \(openssl.stdout)\(openssl.stderr)")
            let (run, _) = try await build(world, name)
            #expect((run.code == 0) == valid, "\(name): the build says \(run.stderr)")
        }
    }
}
