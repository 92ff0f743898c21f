import Foundation
import Testing
import TestSupport

/// Resolution against Debian's docker-registry over plain HTTP (named with
/// --insecure-registry), with images the tests built and pushed with skopeo.
@Suite struct PlainRegistryTests {
    @Test func pinsSingleImageAndIndexToThePushedDigests() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let single = "\(registry.host)/\(seed.single.repository):v1"
        let multi = "\(registry.host)/\(seed.multi.repository):v1"
        let run = await resolve([single, multi], insecure: [registry.host])
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.stdout == """
            \(single) \(registry.host)/\(seed.single.repository)@\(seed.single.digest)
            \(multi) \(registry.host)/\(seed.multi.repository)@\(seed.multi.digest)

            """)
    }

    @Test func jsonReportsIndexPlatformsWithoutAttestationsAndThePlatformChild() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let multi = "\(registry.host)/\(seed.multi.repository):v1"
        let run = await resolve([multi], platform: "linux/aarch64", json: true, insecure: [registry.host])
        #expect(run.code == 0, "\(run.stderr)")
        let entry = try #require(run.json.first)
        #expect(entry["reference"] as? String == multi)
        #expect(entry["name"] as? String == "\(registry.host)/\(seed.multi.repository)")
        #expect(entry["digest"] as? String == seed.multi.digest)
        #expect(entry["media_type"] as? String == "application/vnd.oci.image.index.v1+json")
        #expect(entry["size"] as? Int == seed.multi.size)
        #expect(entry["platform"] as? String == "linux/arm64")
        #expect(entry["platform_digest"] as? String == seed.multi.children["linux/arm64"])
        let platforms = try #require(entry["platforms"] as? [[String: Any]])
        #expect(platforms.map { "\($0["os"]!)/\($0["architecture"]!)" } == ["linux/amd64", "linux/arm64"])
        #expect(platforms.map { $0["digest"] as? String } == [seed.multi.children["linux/amd64"], seed.multi.children["linux/arm64"]])
    }

    @Test(arguments: [
        ("linux/arm/v7", "linux/arm/v7"),
        ("linux/arm", "linux/arm/v7"),
        ("linux/arm64", "linux/arm64/v8"),
        ("linux/arm64/v8", "linux/arm64/v8"),
    ])
    func platformSelectionNormalizesVariants(requested: String, expectedChild: String) async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let run = await resolve(["\(registry.host)/\(seed.arm.repository):v1"], platform: requested, json: true, insecure: [registry.host])
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.json.first?["platform_digest"] as? String == seed.arm.children[expectedChild])
    }

    @Test func nestedIndexesAreWalked() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let run = await resolve(["\(registry.host)/\(seed.nested.repository):v1"], platform: "linux/riscv64", json: true, insecure: [registry.host])
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.json.first?["digest"] as? String == seed.nested.digest)
        #expect(run.json.first?["platform_digest"] as? String == seed.nested.children["linux/riscv64"])
    }

    @Test func singleImagePlatformIsCheckedAgainstItsConfig() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let reference = "\(registry.host)/\(seed.single.repository):v1"
        let ok = await resolve([reference], platform: "linux/amd64", json: true, insecure: [registry.host])
        #expect(ok.code == 0, "\(ok.stderr)")
        #expect(ok.json.first?["platform_digest"] as? String == seed.single.digest)
        let wrong = await resolve([reference], platform: "linux/arm64", insecure: [registry.host])
        #expect(wrong.code == 1)
        #expect(wrong.stdout.isEmpty)
        #expect(wrong.stderr.contains("no image for platform linux/arm64; available: linux/amd64"))
    }

    @Test func missingPlatformInIndexListsWhatIsAvailable() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let run = await resolve(["\(registry.host)/\(seed.multi.repository):v1"], platform: "linux/s390x", insecure: [registry.host])
        #expect(run.code == 1)
        #expect(run.stderr.contains("available: linux/amd64, linux/arm64"))
        #expect(!run.stderr.contains("unknown"))
    }

    @Test func unknownTagIsReportedWithTheRegistrysErrorAndNothingIsPrinted() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let good = "\(registry.host)/\(seed.single.repository):v1"
        let missing = "\(registry.host)/\(seed.single.repository):nope"
        let run = await resolve([good, missing], insecure: [registry.host])
        #expect(run.code == 69)
        #expect(run.stdout.isEmpty, "a partial pin must never be printed as success")
        #expect(run.stderr.contains("cannot resolve '\(missing)'"))
        #expect(run.stderr.contains("HTTP 404"))
        #expect(run.stderr.contains("MANIFEST_UNKNOWN"))
        #expect(!run.stderr.contains("cannot resolve '\(good)'"))
    }

    @Test func plainHTTPIsNeverImplicitEvenOnLoopback() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let run = await resolve(["\(registry.host)/\(seed.single.repository):v1"])
        #expect(run.code == 69)
        #expect(run.stderr.contains("TLS"))
    }

    @Test func unreachableRegistryExits69() async throws {
        let port = try ProcessSupport.freePort()
        let run = await resolve(["127.0.0.1:\(port)/edge/none:v1"], insecure: ["127.0.0.1:\(port)"], deadline: 5)
        #expect(run.code == 69)
        #expect(run.stderr.contains("127.0.0.1:\(port)"))
    }

    @Test func tagAndDigestPinsToTheDigestWithoutAskingForTheTag() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let proxy = try await FaultProxy.start(upstream: registry, mode: "pass")
        let reference = "\(proxy.host)/\(seed.multi.repository):moved@\(seed.multi.digest)"
        let run = await resolve([reference], insecure: [proxy.host])
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.stdout == "\(reference) \(proxy.host)/\(seed.multi.repository)@\(seed.multi.digest)\n")
        let paths = proxy.requests().compactMap { $0["path"] as? String }
        #expect(!paths.contains { $0.hasSuffix("/manifests/moved") })
        #expect(paths.contains { $0.hasSuffix("/manifests/\(seed.multi.digest)") })
    }

    @Test func duplicateReferencesAreResolvedOnce() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let proxy = try await FaultProxy.start(upstream: registry, mode: "pass")
        let name = "\(proxy.host)/\(seed.single.repository)"
        let run = await resolve(["\(name):v1", "\(name):v1", "\(name):v1"], insecure: [proxy.host])
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").count == 3)
        let manifests = proxy.requests().filter { ($0["path"] as? String)?.contains("/manifests/") == true }
        #expect(manifests.count == 1)
    }

    @Test func dockerManifestListAndV2ManifestResolve() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let list = "\(registry.host)/\(seed.dockerList.repository):v1"
        let single = "\(registry.host)/\(seed.dockerSingle.repository):v1"
        let run = await resolve([list], platform: "linux/arm", json: true, insecure: [registry.host])
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.json.first?["digest"] as? String == seed.dockerList.digest)
        #expect(run.json.first?["media_type"] as? String == "application/vnd.docker.distribution.manifest.list.v2+json")
        #expect(run.json.first?["platform_digest"] as? String == seed.dockerList.children["linux/arm/v7"])
        let one = await resolve([single], platform: "linux/arm64/v8", json: true, insecure: [registry.host])
        #expect(one.code == 0, "\(one.stderr)")
        #expect(one.json.first?["digest"] as? String == seed.dockerSingle.digest)
        #expect(one.json.first?["media_type"] as? String == "application/vnd.docker.distribution.manifest.v2+json")
    }

    @Test func everyManifestRequestCarriesTheFullAcceptList() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let proxy = try await FaultProxy.start(upstream: registry, mode: "pass")
        let run = await resolve(["\(proxy.host)/\(seed.dockerList.repository):v1", "\(proxy.host)/\(seed.nested.repository):v1"], platform: "linux/amd64", insecure: [proxy.host])
        #expect(run.code == 0, "\(run.stderr)")
        let manifestRequests = proxy.requests().filter { ($0["path"] as? String)?.contains("/manifests/") == true }
        #expect(manifestRequests.count >= 3)
        for request in manifestRequests {
            let accept = (request["accept"] as? String ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(Set(accept) == ["application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
                                    "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json"])
        }
    }

    @Test func connectionsAreReused() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let proxy = try await FaultProxy.start(upstream: registry, mode: "pass")
        let references = [seed.single, seed.multi, seed.arm, seed.dockerList, seed.dockerSingle].map { "\(proxy.host)/\($0.repository):v1" }
        let run = await resolve(references, insecure: [proxy.host], jobs: 1)
        #expect(run.code == 0, "\(run.stderr)")
        let requests = proxy.requests()
        #expect(requests.count == 5, "one verifying GET per reference (no cache, so no HEAD first)")
        #expect(Set(requests.compactMap { $0["client_port"] as? Int }).count == 1, "one keep-alive connection serves every request")
    }
}
