import Foundation
import Release
import Testing
@testable import PackerTemplate

/// Rendered output against committed golden files (run with UPDATE_GOLDEN=1 to rewrite them
/// after an intended change, and review the diff).
@Suite struct GoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func check(_ name: String, _ actual: String) throws {
        let url = Self.directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try Data(actual.utf8).write(to: url)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(actual == expected, "\(name) differs from its golden file")
    }

    func rendered(buildFallback: Bool = false) throws -> (PackerTemplate, String, String) {
        let definition = try Samples.definition()
        let lock = Samples.lock(definition, buildFallback: buildFallback)
        let template = Samples.template(definition, lock)
        return (template, ReleaseFiles.composeOverride(lock), String(decoding: ReleaseFiles.healthChecks(definition, lock: lock), as: UTF8.self))
    }

    @Test func exampleTemplate() throws {
        let (template, _, _) = try rendered()
        try check("edge-analytics.pkr.hcl", template.main)
        try check("versions.pkr.hcl", template.versions)
    }

    @Test func exampleTemplateWithABuildFallback() throws {
        let (template, override, _) = try rendered(buildFallback: true)
        try check("edge-analytics-build-fallback.pkr.hcl", template.main)
        try check("docker-compose.pinned-build-fallback.yml", override)
    }

    @Test func composeOverrideAndHealthChecks() throws {
        let (_, override, health) = try rendered()
        try check("docker-compose.pinned.yml", override)
        try check("health-checks.json", health)
    }

    @Test func healthChecksReadBackAsTheDefinitionSaysThem() throws {
        // The build writes health-checks.json; rollback reads it into the same model.
        let definition = try Samples.definition()
        let written = ReleaseFiles.healthChecks(definition, lock: Samples.lock(definition))
        let read = try HealthCheckFile(decoding: written)
        #expect(read.checks == definition.healthChecks)
        #expect(read.checks.count == 3)
    }

    @Test func renderingIsDeterministic() throws {
        let first = try rendered(), second = try rendered()
        #expect(first.0 == second.0)
        #expect(first.1 == second.1)
        #expect(first.2 == second.2)
    }
}
