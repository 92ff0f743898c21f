import Foundation
import ImagesmithCommands
import Testing
import TestSupport

/// One place says a registry speaks plain HTTP: the definition's docker.insecure_registries
/// for build, registries.conf (as skopeo and podman read it) for build, verify and tags; the
/// flag is no longer needed again for each command. Without any of them, plain HTTP is refused.
@Suite struct InsecureRegistrySourcesTests {
    @Test func theDefinitionAndRegistriesConfAreHonoured() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let containers = "  - {name: app, image: \"\(registry.host)/\(seed.single.repository):v1\", platform: linux/amd64}"

        // The definition says it: build needs no flag.
        let fixture = try BuildFixture(containers: containers)
        var definition = try String(contentsOfFile: fixture.definitionPath, encoding: .utf8)
        let plain = await fixture.run()
        #expect(plain.code != 0 && plain.stderr.contains("TLS verification failed") && plain.stderr.contains("registries.conf"), "nothing says plain HTTP, yet it was used: \(plain.stderr)")
        definition = definition.replacingOccurrences(of: "nvidia_container_toolkit_version: \"1.16.2-1\"}", with: "nvidia_container_toolkit_version: \"1.16.2-1\", insecure_registries: [\"\(registry.host)\"]}")
        try definition.write(toFile: fixture.definitionPath, atomically: true, encoding: .utf8)
        let built = await fixture.run()
        #expect(built.code == 0, "\(built.stderr)")
        let lockPath = "\(fixture.out)/edge-test.lock.json"

        // registries.conf says it: verify and tags need no flag either.
        let conf = try fixture.directory.write("registries.conf", "[[registry]]\nlocation = \"\(registry.host)\"\ninsecure = true\n")
        for (environment, expected) in [(["HOME": "/nonexistent-home"], false), (["HOME": "/nonexistent-home", "CONTAINERS_REGISTRIES_CONF": conf], true)] {
            let capture = Capture()
            let output = CommandOutput(writeOut: { capture.appendOut($0) }, writeErr: { capture.appendErr($0) })
            let verified = await VerifyRunner(lockPath: lockPath, registry: RegistrySetup(useCache: false), environment: environment, output: output).run()
            #expect((verified == .success) == expected, "verify with \(environment): \(verified) \(capture.texts.1)")
            let tagsCapture = Capture()
            let tags = await TagsRunner(references: ["\(registry.host)/\(seed.single.repository):v1"], cachePath: fixture.directory.file("tags-\(expected).json"), ttl: 3600,
                                        registry: RegistrySetup(useCache: false), environment: environment,
                                        output: CommandOutput(writeOut: { tagsCapture.appendOut($0) }, writeErr: { tagsCapture.appendErr($0) })).run()
            #expect((tags == .success) == expected, "tags with \(environment): \(tags) \(tagsCapture.texts.1)")
        }
    }
}
