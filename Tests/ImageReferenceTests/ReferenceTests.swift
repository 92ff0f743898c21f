import Foundation
import Testing
@testable import ImageReference

/// Normalization as distribution/reference's ParseNormalizedNamed does it.
@Suite struct ReferenceTests {
    static let hex = String(repeating: "0123456789abcdef", count: 4)

    @Test(arguments: [
        // input, registry, repository, tag, digest, full normalized form
        ("nginx", "docker.io", "library/nginx", "latest", nil, "docker.io/library/nginx:latest"),
        ("nginx:1.27", "docker.io", "library/nginx", "1.27", nil, "docker.io/library/nginx:1.27"),
        ("library/nginx", "docker.io", "library/nginx", "latest", nil, "docker.io/library/nginx:latest"),
        ("docker.io/nginx", "docker.io", "library/nginx", "latest", nil, "docker.io/library/nginx:latest"),
        ("index.docker.io/nginx", "docker.io", "library/nginx", "latest", nil, "docker.io/library/nginx:latest"),
        ("bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", nil, "docker.io/bitnami/redis:7.2"),
        ("ghcr.io/org/app:v1", "ghcr.io", "org/app", "v1", nil, "ghcr.io/org/app:v1"),
        ("ghcr.io/nginx", "ghcr.io", "nginx", "latest", nil, "ghcr.io/nginx:latest"),
        ("localhost/app", "localhost", "app", "latest", nil, "localhost/app:latest"),
        ("localhost:5000/a/b/c:tag", "localhost:5000", "a/b/c", "tag", nil, "localhost:5000/a/b/c:tag"),
        ("127.0.0.1:5000/app", "127.0.0.1:5000", "app", "latest", nil, "127.0.0.1:5000/app:latest"),
        ("[::1]:5000/app:v2", "[::1]:5000", "app", "v2", nil, "[::1]:5000/app:v2"),
        ("Registry/app", "Registry", "app", "latest", nil, "Registry/app:latest"),
        ("my-registry:443/team/svc", "my-registry:443", "team/svc", "latest", nil, "my-registry:443/team/svc:latest"),
        ("a/b_c/d__e/f-g/h--i/j.k:T_a-g.1", "docker.io", "a/b_c/d__e/f-g/h--i/j.k", "T_a-g.1", nil, "docker.io/a/b_c/d__e/f-g/h--i/j.k:T_a-g.1"),
        ("nginx@sha256:\(hex)", "docker.io", "library/nginx", nil, "sha256:\(hex)", "docker.io/library/nginx@sha256:\(hex)"),
        ("nginx:1.27@sha256:\(hex)", "docker.io", "library/nginx", "1.27", "sha256:\(hex)", "docker.io/library/nginx:1.27@sha256:\(hex)"),
        ("localhost:5000/app:v1@sha256:\(hex)", "localhost:5000", "app", "v1", "sha256:\(hex)", "localhost:5000/app:v1@sha256:\(hex)"),
    ] as [(String, String, String, String?, String?, String)])
    func normalizes(input: String, registry: String, repository: String, tag: String?, digest: String?, full: String) throws {
        let reference = try Reference(parsing: input)
        #expect(reference.registry.host == registry)
        #expect(reference.repository.path == repository)
        #expect(reference.tag?.value == tag)
        #expect(reference.digest?.description == digest)
        #expect(reference.description == full)
        #expect(reference.name == "\(registry)/\(repository)")
    }

    @Test(arguments: [
        ("", ReferenceError.empty),
        ("Nginx", ReferenceError.uppercaseRepository("library/Nginx")),
        ("docker.io/Library/nginx", ReferenceError.uppercaseRepository("Library/nginx")),
        ("nginx:", ReferenceError.invalidTag("")),
        ("nginx:-bad", ReferenceError.invalidTag("-bad")),
        ("nginx:.bad", ReferenceError.invalidTag(".bad")),
        ("nginx:" + String(repeating: "t", count: 129), ReferenceError.invalidTag(String(repeating: "t", count: 129))),
        ("a//b", ReferenceError.invalidRepository("a//b")),
        ("a/b/", ReferenceError.invalidRepository("a/b/")),
        ("-a/b", ReferenceError.invalidRepository("-a/b")),
        ("a/b-", ReferenceError.invalidRepository("a/b-")),
        ("a/b___c", ReferenceError.invalidRepository("a/b___c")),
        ("a/b..c", ReferenceError.invalidRepository("a/b..c")),
        ("a/b c", ReferenceError.invalidRepository("a/b c")),
        ("-host.io/app", ReferenceError.invalidRegistry("-host.io")),
        ("host.io:port/app", ReferenceError.invalidRegistry("host.io:port")),
        ("nginx@sha256:abc", ReferenceError.invalidDigest("sha256:abc", reason: "sha256 needs 64 hex characters, found 3")),
        ("nginx@sha256:" + hex.uppercased(), ReferenceError.invalidDigest("sha256:" + hex.uppercased(), reason: "the encoded part must be lower-case hexadecimal")),
        ("nginx@md5:\(hex)", ReferenceError.unsupportedDigestAlgorithm("md5")),
        ("nginx@" + hex, ReferenceError.invalidDigest(hex, reason: "expected algorithm:hex, e.g. sha256:<64 hex characters>")),
        (hex, ReferenceError.hexIdentifierAsName(hex)),
    ] as [(String, ReferenceError)])
    func rejects(input: String, expected: ReferenceError) {
        #expect(throws: expected) { try Reference(parsing: input) }
    }

    @Test func nameLongerThan255IsRejected() {
        let long = "registry.example/" + String(repeating: "a", count: 250)
        #expect(throws: ReferenceError.tooLong(length: long.count)) { try Reference(parsing: long) }
    }

    @Test func errorsReadAsSentences() throws {
        let error = ReferenceError.uppercaseRepository("library/Nginx")
        #expect(error.description == "repository name 'library/Nginx' must be lower case")
    }

    @Test func endpointOfDockerHubIsRegistry1() throws {
        #expect(try Reference(parsing: "nginx").registry.endpoint == "registry-1.docker.io")
        #expect(try Reference(parsing: "ghcr.io/a/b").registry.endpoint == "ghcr.io")
    }

    @Test func equalReferencesDeduplicate() throws {
        let forms = ["nginx", "nginx:latest", "docker.io/library/nginx", "index.docker.io/library/nginx:latest"]
        #expect(Set(try forms.map(Reference.init(parsing:))).count == 1)
    }

    @Test func manifestReferencePrefersTheDigest() throws {
        #expect(try Reference(parsing: "a:v1@sha256:\(Self.hex)").manifestReference == "sha256:\(Self.hex)")
        #expect(try Reference(parsing: "a:v1").manifestReference == "v1")
    }
}

@Suite struct DigestTests {
    @Test(arguments: [
        ("sha256:" + String(repeating: "a", count: 64), true),
        ("sha384:" + String(repeating: "b", count: 96), true),
        ("sha512:" + String(repeating: "c", count: 128), true),
        ("sha256:" + String(repeating: "a", count: 63), false),
        ("sha512:" + String(repeating: "a", count: 64), false),
        ("sha256:" + String(repeating: "g", count: 64), false),
        ("sha256" + String(repeating: "a", count: 64), false),
        (":" + String(repeating: "a", count: 64), false),
        ("SHA256:" + String(repeating: "a", count: 64), false),
        ("sha256+b64u:" + String(repeating: "a", count: 64), false),
    ])
    func validation(text: String, valid: Bool) {
        #expect(((try? Digest(parsing: text)) != nil) == valid)
    }

    @Test func roundTripsThroughJSON() throws {
        let digest = try Digest(parsing: "sha256:" + String(repeating: "e", count: 64))
        let data = try JSONEncoder().encode([digest])
        #expect(String(decoding: data, as: UTF8.self) == #"["sha256:\#(String(repeating: "e", count: 64))"]"#)
        #expect(try JSONDecoder().decode([Digest].self, from: data) == [digest])
    }
}

@Suite struct PlatformTests {
    @Test(arguments: [
        ("linux/amd64", "linux/amd64"),
        ("linux/x86_64", "linux/amd64"),
        ("linux/aarch64", "linux/arm64"),
        ("linux/arm64/8", "linux/arm64/v8"),
        ("linux/armhf", "linux/arm/v7"),
        ("linux/arm/7", "linux/arm/v7"),
        ("Linux/AMD64", "linux/amd64"),
        ("windows/amd64", "windows/amd64"),
    ])
    func parsesAndNormalizes(text: String, normalized: String) throws {
        #expect(try Platform(parsing: text).description == normalized)
    }

    @Test(arguments: ["linux", "linux/", "/amd64", "linux/arm/v7/extra", "linux/am d64", "", "linux/../x", "linux/..", "./amd64", "linux/.x", "linux/-x", "linux/amd64\n", "linux/ａｍｄ64"])
    func rejects(text: String) {
        #expect(throws: ReferenceError.self) { try Platform(parsing: text) }
    }

    @Test(arguments: [
        ("linux/arm64", "linux/arm64/v8", true),
        ("linux/arm64/v8", "linux/arm64", true),
        ("linux/arm64", "linux/arm64/v9", false),
        ("linux/arm", "linux/arm/v7", true),
        ("linux/arm/v6", "linux/arm/v7", false),
        ("linux/amd64", "linux/arm64", false),
        ("linux/amd64", "windows/amd64", false),
    ])
    func matching(requested: String, entry: String, matches: Bool) throws {
        #expect(try Platform(parsing: requested).matches(try Platform(parsing: entry)) == matches)
    }

    @Test func attestationEntriesAreUnknown() {
        #expect(Platform(os: "unknown", architecture: "unknown").isUnknown)
        #expect(!Platform(os: "linux", architecture: "amd64").isUnknown)
    }
}
