import Foundation
import HTTPCore
import Testing
import ImageReference
@testable import RegistryClient

@Suite struct ManifestTests {
    let digestA = "sha256:" + String(repeating: "a", count: 64)

    @Test func indexWithoutMediaTypeIsRecognizedByShape() throws {
        let document = try ManifestDocument.decode(Array(#"{"schemaVersion":2,"manifests":[{"digest":"\#(digestA)","size":1,"platform":{"os":"linux","architecture":"arm64"}}]}"#.utf8))
        #expect(document.isIndex)
        #expect(document.impliedMediaType == MediaType.ociIndex)
        let platform = try #require(document.manifests?.first?.normalizedPlatform)
        #expect(platform == Platform(os: "linux", architecture: "arm64"))
        #expect(platform.matches(Platform(os: "linux", architecture: "arm64", variant: "v8")))
    }

    @Test func invalidDescriptorDigestIsADecodingError() {
        #expect(throws: (any Error).self) {
            try ManifestDocument.decode(Array(#"{"manifests":[{"digest":"sha256:abc","size":1}]}"#.utf8))
        }
    }

    @Test(arguments: [
        ("application/vnd.oci.image.index.v1+json; charset=utf-8", "application/vnd.oci.image.index.v1+json"),
        (" Application/JSON ", "application/json"),
    ])
    func contentTypeEssence(header: String, essence: String) {
        #expect(MediaType.essence(header) == essence)
    }

    @Test func acceptListNamesAllFourManifestTypes() {
        #expect(MediaType.acceptHeader == "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json")
    }

    @Test func headersMatchCaseInsensitively() {
        var headers = HTTPHeaders([("docker-content-digest", digestA), ("WWW-Authenticate", "Basic"), ("www-authenticate", "Bearer realm=x")])
        #expect(headers["Docker-Content-Digest"] == digestA)
        #expect(headers.values("Www-Authenticate") == ["Basic", "Bearer realm=x"])
        headers.remove("WWW-AUTHENTICATE")
        #expect(headers.values("www-authenticate").isEmpty)
    }

    @Test func errorsReadAsSentencesWithoutSecrets() {
        let error = RegistryError.refused(status: 404, url: "https://r/v2/a/manifests/b", errors: [.init(code: "MANIFEST_UNKNOWN", message: "manifest unknown")])
        #expect(error.description == "registry answered HTTP 404 for https://r/v2/a/manifests/b (MANIFEST_UNKNOWN: manifest unknown)")
        #expect(error.exitStatus == .unavailable)
        #expect(RegistryCredential.basic(username: "u", password: "hunter2").description.contains("hunter2") == false)
        #expect("\(RegistryCredential.identityToken("tok-123"))".contains("tok-123") == false)
    }

    @Test func redactedURLsDropQueryAndUserInfo() throws {
        let url = try #require(URL(string: "https://user:pw@cdn.example/blob?X-Amz-Signature=secret"))
        #expect(RegistrySession.redacted(url) == "https://cdn.example/blob")
    }
}
