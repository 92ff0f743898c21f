import Foundation
import ImagesmithCommands
import OCILayout
import Testing
import TestSupport

/// `verify` and `diff` against a registry where tags move between two builds.
@Suite struct DriftTests {
    func push(_ writer: OCILayoutWriter, tag: String, platforms: [String], seed: String, to target: String) async throws {
        try writer.write(tag: tag, platforms: platforms.map(OCILayoutWriter.PlatformSpec.init), seed: seed, forceIndex: true)
        try await ProcessSupport.checkDetached("skopeo", ["copy", "--quiet", "--all", "--preserve-digests", "--dest-tls-verify=false",
                                            "oci:\(writer.directory.path):\(tag)", "docker://\(target)"])
    }

    func capture() -> (Capture, CommandOutput) {
        let capture = Capture()
        return (capture, CommandOutput(writeOut: { capture.appendOut($0) }, writeErr: { capture.appendErr($0) }))
    }

    @Test func verifyReportsDriftAndDiffExplainsIt() async throws {
        let storage = try TemporaryDirectory("drift-storage")
        let registry = try await RegistryServer.start(storage: storage.path)
        let layouts = try TemporaryDirectory("drift-layouts")
        let first = OCILayoutWriter(directory: layouts.url.appendingPathComponent("first"))
        try await push(first, tag: "app", platforms: ["linux/amd64"], seed: "app-1", to: "\(registry.host)/edge/app:v1")
        try await push(first, tag: "tool", platforms: ["linux/amd64"], seed: "tool", to: "\(registry.host)/edge/tool:v1")

        let fixture = try BuildFixture(containers: """
              - {name: app, image: "\(registry.host)/edge/app:v1", platform: linux/amd64}
              - {name: tool, image: "\(registry.host)/edge/tool:v1", platform: linux/amd64}
        """)
        let firstBuild = await fixture.run(insecure: [registry.host])
        #expect(firstBuild.code == 0, "\(firstBuild.stderr)")
        let firstLock = fixture.directory.file("first.lock.json")
        try FileManager.default.copyItem(atPath: "\(fixture.out)/edge-test.lock.json", toPath: firstLock)

        let setup = RegistrySetup(insecureRegistries: [registry.host], useCache: false)
        var (out, output) = capture()
        #expect(await VerifyRunner(lockPath: firstLock, registry: setup, environment: ["HOME": "/nonexistent"], output: output).run() == .success)
        #expect(out.texts.0.contains("ok        app"))

        // Move both tags: app to new content; tool to an index with the same amd64 manifest
        // and one more platform.
        let second = OCILayoutWriter(directory: layouts.url.appendingPathComponent("second"))
        try await push(second, tag: "app", platforms: ["linux/amd64"], seed: "app-2", to: "\(registry.host)/edge/app:v1")
        try await push(second, tag: "tool", platforms: ["linux/amd64", "linux/arm64"], seed: "tool", to: "\(registry.host)/edge/tool:v1")

        (out, output) = capture()
        let verifyCode = await VerifyRunner(lockPath: firstLock, json: true, registry: setup, environment: ["HOME": "/nonexistent"], output: output).run()
        #expect(verifyCode == .failure)
        let findings = try #require(try JSONSerialization.jsonObject(with: Data(out.texts.0.utf8)) as? [[String: Any]])
        #expect(findings.map { $0["status"] as? String } == ["drifted", "drifted"])
        #expect((findings[0]["detail"] as? String)?.contains("different linux/amd64 content") == true)
        #expect((findings[1]["detail"] as? String)?.contains("the linux/amd64 manifest is unchanged") == true)
        #expect(out.texts.1.contains("2 containers drifted or unpinned"))

        // A new build pins the moved tags; diff says what changed.
        #expect(await fixture.run(insecure: [registry.host]).code == 0)
        (out, output) = capture()
        #expect(DiffRunner(oldPath: firstLock, newPath: "\(fixture.out)/edge-test.lock.json", exitCode: true, output: output).run() == .failure)
        let text = out.texts.0
        #expect(text.contains("changes from 2026.11.1 to 2026.11.2:"))
        #expect(text.contains("~ app: re-pinned") && text.contains("the pulled platform's content changed"))
        #expect(text.contains("~ tool: re-pinned") && text.contains("only the index changed); platforms added: linux/arm64"))

        (out, output) = capture()
        #expect(DiffRunner(oldPath: firstLock, newPath: firstLock, exitCode: true, output: output).run() == .success)
        #expect(out.texts.0 == "no changes between 2026.11.1 and 2026.11.1\n")
    }

    @Test func unreachableRegistryIsUncheckedNotClean() async throws {
        let fixture = try BuildFixture(containers: "      - {name: app, image: \"ghcr.io/acme/app:1\", platform: linux/amd64}")
        let port = try ProcessSupport.freePort()
        try fixture.directory.write("lock.json", """
            {"schema_version": 1, "image": {"name": "edge-test", "version": "2026.11.1"}, "definition_sha256": "d",
             "containers": [{"name": "app", "reference": "127.0.0.1:\(port)/acme/app:1", "repository": "127.0.0.1:\(port)/acme/app", "tag": "1",
                             "source": "pinned", "platform": "linux/amd64", "digest": "sha256:\(String(repeating: "a", count: 64))",
                             "platform_digest": "sha256:\(String(repeating: "a", count: 64))"}]}
            """)
        let (out, output) = capture()
        let code = await VerifyRunner(lockPath: fixture.directory.file("lock.json"), registry: RegistrySetup(insecureRegistries: ["127.0.0.1:\(port)"], deadline: 5, useCache: false),
                                      environment: ["HOME": "/nonexistent"], output: output).run()
        #expect(code == .unavailable)
        #expect(out.texts.0.contains("UNCHECKED app"))
    }

    @Test func diffRejectsABadLock() throws {
        let directory = try TemporaryDirectory("diff-bad")
        let bad = try directory.write("bad.json", "{\"schema_version\": 1}")
        let (out, output) = capture()
        #expect(DiffRunner(oldPath: bad, newPath: bad, output: output).run() == .dataError)
        #expect(out.texts.1.contains("bad.json is not a valid lock file"))
        #expect(DiffRunner(oldPath: directory.file("none.json"), newPath: bad, output: output).run() == .noInput)
    }
}
