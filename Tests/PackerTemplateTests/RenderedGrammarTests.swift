import Foundation
import ImageDefinition
import Lock
import Testing
import TestSupport
@testable import PackerTemplate

/// The compose override keeps YAML's grammar and compose's types: service names YAML 1.1
/// would read as numbers, booleans or nulls stay strings when the override is read back (by
/// PyYAML, a YAML 1.1 reader as compose v1's is), and HCL comments stay comments.
@Suite struct RenderedGrammarTests {
    static let retyped = ["0b1", "1_000", "0x1f", "1e3", "010", "08", "on", "off", "y", "n", "no", "yes", "true", "null", "1.5", "12:30", "2026-11-01"]

    @Test func serviceNamesYAMLWouldRetypeStayStrings() async throws {
        let definition = try Samples.definition()
        var lock = Samples.lock(definition)
        let template = lock.containers.first { $0.source == .pinned }!
        lock.containers = Self.retyped.map { name in
            var container = template
            container.name = name
            return container
        }
        let override = ReleaseFiles.composeOverride(lock)
        let directory = try TemporaryDirectory("override-yaml")
        let path = try directory.write("docker-compose.pinned.yml", override)
        let script = "import json, sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print(json.dumps([[type(k).__name__, k, v['image']] for k, v in d['services'].items()]))"
        let result = try await ProcessSupport.runDetached("python3", ["-c", script, path])
        #expect(result.status == 0, "\(result.stderr)")
        let read = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String]])
        #expect(read.map { $0[1] } == Self.retyped, "\(read)")
        #expect(read.allSatisfy { $0[0] == "str" }, "\(read)")
        #expect(read.allSatisfy { $0[2] == template.pinnedReference }, "\(read)")
    }

    @Test(arguments: ["zq\nvariable \"x\" {}\n.yaml", "zq\r.yaml", "zq\u{2028}x\u{1b}[2J.yaml"])
    func aDefinitionNameStaysInsideItsComment(name: String) async throws {
        let definition = try Samples.definition()
        let lock = Samples.lock(definition)
        let template = PackerTemplate(.init(definition: definition, lock: lock, lockSHA256: String(repeating: "e", count: 64), gitCommit: nil,
                                            definitionFile: name, boxPackage: Samples.box))
        for line in template.main.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }) where line.contains("zq") || line.contains("variable \"x\"") {
            #expect(line.hasPrefix("#"), "\(line)")
        }
        #expect(!template.main.unicodeScalars.contains { $0.value == 0x0d || $0.value == 0x1b || $0.value == 0x2028 })
        let directory = try TemporaryDirectory("hcl-comment")
        let path = try directory.write("t.pkr.hcl", template.main)
        let format = try await ProcessSupport.runDetached("packer", ["fmt", "-check", path])
        #expect(format.status == 0, "\(format.stdout)\(format.stderr)")
    }
}
