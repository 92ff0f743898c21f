import Foundation
import ImageDefinition
import ImageReference
import Lock
import Testing
import TestSupport
@testable import PackerTemplate

/// Samples shared by the template tests: the committed example definition and a lock for it.
enum Samples {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    static func definition() throws -> ImageDefinition {
        let text = try String(contentsOf: repository.appendingPathComponent("packer/edge-analytics.yaml"), encoding: .utf8)
        return try ImageDefinition.parse(text, file: "edge-analytics.yaml")
    }

    static func digest(_ seed: String) -> Digest {
        var hex = ""
        for byte in Array(seed.utf8) + Array(repeating: UInt8(7), count: 32) where hex.count < 64 {
            hex += String(format: "%02x", byte)
        }
        return try! Digest(parsing: "sha256:" + hex)
    }

    static func lock(_ definition: ImageDefinition, version: String = "2026.11.1", buildFallback: Bool = false) -> LockFile {
        LockFile(image: .init(name: definition.name, version: version), definitionSHA256: String(repeating: "d", count: 64),
                 containers: definition.containers.map { container in
            var entry = LockFile.Container(name: container.name, reference: container.image, repository: container.reference.name,
                                           tag: container.reference.tag?.value, source: container.pin ? .pinned : .tag,
                                           platform: container.platform.description)
            if container.pin {
                entry.digest = digest("index-\(container.name)")
                entry.platformDigest = digest("child-\(container.name)")
                entry.mediaType = "application/vnd.oci.image.index.v1+json"
                entry.size = 512
                entry.platforms = [.init(platform: container.platform.description, digest: digest("child-\(container.name)"))]
                entry.resolvedAt = "2026-11-21T00:00:00Z"
            } else {
                entry.note = "pin: false in the definition (stateful service stays on its tag)"
            }
            if buildFallback, container.build != nil {
                entry = LockFile.Container(name: container.name, reference: container.image, repository: container.reference.name,
                                           tag: container.reference.tag?.value, source: .build, platform: container.platform.description,
                                           note: "the pre-built image is missing; built from builds/ingest",
                                           buildContext: container.build?.context, dockerfile: container.build?.dockerfile)
            }
            return entry
        })
    }
}

@Suite struct PackerValidationTests {
    /// Writes the template and everything it references into a directory, as `build` does.
    func materialize(_ template: PackerTemplate, lock: LockFile, in directory: TemporaryDirectory) throws -> String {
        let main = try directory.write("\(lock.image.name).pkr.hcl", template.main)
        try directory.write("versions.pkr.hcl", template.versions)
        try directory.write("\(lock.image.name).lock.json", String(decoding: lock.encoded(), as: UTF8.self))
        for name in ["compose.yml", "docker-compose.pinned.yml", "health-checks.json", "built-images.json",
                     "\(lock.image.name)-\(lock.image.version).tar.gz"] + PackerTemplate.units {
            try directory.write(name, "{}\n")
        }
        for script in PackerTemplate.scripts {
            try directory.write("scripts/\(script)", "#!/bin/sh\n")
        }
        try directory.write("build-contexts/ingest/Dockerfile", "FROM scratch\n")
        // packer validate parses the key: make a throwaway one.
        try ProcessSupport.check("openssl", ["genrsa", "-traditional", "-out", directory.file("id_ed25519"), "2048"])
        return main
    }

    @Test(arguments: [false, true])
    func exampleTemplateValidatesAndIsFormattedWithPacker(buildFallback: Bool) throws {
        let definition = try Samples.definition()
        let lock = Samples.lock(definition, buildFallback: buildFallback)
        let template = PackerTemplate(.init(definition: definition, lock: lock, lockSHA256: String(repeating: "e", count: 64), gitCommit: "0123abc", definitionFile: "edge-analytics.yaml"))
        let directory = try TemporaryDirectory("packer")
        let main = try materialize(template, lock: lock, in: directory)
        let fmt = try ProcessSupport.run("packer", ["fmt", "-check", "-diff", main])
        #expect(fmt.status == 0, "packer fmt -check:\n\(fmt.stdout)\(fmt.stderr)")
        let versionsFmt = try ProcessSupport.run("packer", ["fmt", "-check", "-diff", directory.file("versions.pkr.hcl")])
        #expect(versionsFmt.status == 0, "packer fmt -check versions:\n\(versionsFmt.stdout)\(versionsFmt.stderr)")
        let validate = try ProcessSupport.run("packer", ["validate", "-var", "qemu_ssh_private_key_file=\(directory.file("id_ed25519"))", main])
        #expect(validate.status == 0, "packer validate:\n\(validate.stdout)\(validate.stderr)")
    }

    @Test func variableValidationRejectsABadVersion() throws {
        let definition = try Samples.definition()
        let lock = Samples.lock(definition)
        let template = PackerTemplate(.init(definition: definition, lock: lock, lockSHA256: String(repeating: "e", count: 64), gitCommit: nil, definitionFile: "edge-analytics.yaml"))
        let directory = try TemporaryDirectory("packer-var")
        let main = try materialize(template, lock: lock, in: directory)
        let validate = try ProcessSupport.run("packer", ["validate", "-var", "image_version=latest", "-var", "qemu_ssh_private_key_file=\(directory.file("id_ed25519"))", main])
        #expect(validate.status != 0)
        #expect((validate.stdout + validate.stderr).contains("The image_version must look like YYYY.MM.N"))
    }
}

@Suite struct ManifestMergeTests {
    @Test func builtImageIdsJoinTheLastBuildsCustomData() throws {
        let directory = try TemporaryDirectory("merge")
        try directory.write("packer-manifest.json", #"{"builds":[{"name":"a","custom_data":{"image_version":"2026.11.1"}},{"name":"b","custom_data":{"image_version":"2026.11.1"}}],"last_run_uuid":"x"}"#)
        try directory.write("built-images.json", #"[{"name":"ingest","id":"sha256:abc"}]"#)
        let result = try ProcessSupport.run("/bin/sh", ["-c", PackerTemplate.mergeBuiltImagesCommand(directory: directory.path)])
        #expect(result.status == 0, "\(result.stderr)")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.file("packer-manifest.json")))) as? [String: Any]
        let builds = try #require(manifest?["builds"] as? [[String: Any]])
        let custom = try #require(builds.last?["custom_data"] as? [String: String])
        #expect(custom["image_version"] == "2026.11.1")
        #expect(custom["built_images"] == #"[{"name":"ingest","id":"sha256:abc"}]"#)
        #expect((builds.first?["custom_data"] as? [String: String])?["built_images"] == nil)
    }

    @Test func theTemplateRunsThatCommand() throws {
        let definition = try Samples.definition()
        let lock = Samples.lock(definition)
        let template = PackerTemplate(.init(definition: definition, lock: lock, lockSHA256: "e", gitCommit: nil, definitionFile: "d.yaml"))
        #expect(template.main.contains(HCL.escapeQuoted(PackerTemplate.mergeBuiltImagesCommand(directory: "${path.root}"), literalInterpolation: false)))
    }
}
