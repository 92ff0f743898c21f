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

    /// The box package as the template names it (the file itself is made by materialize).
    static let box = PackerTemplate.BoxPackage(fileName: "edge-imagesmith-box_0.3.0_amd64.deb", version: "0.3.0", sha256: String(repeating: "b", count: 64))

    static func template(_ definition: ImageDefinition, _ lock: LockFile, gitCommit: String? = "0123abc") -> PackerTemplate {
        PackerTemplate(.init(definition: definition, lock: lock, lockSHA256: String(repeating: "e", count: 64), gitCommit: gitCommit,
                             definitionFile: "edge-analytics.yaml", boxPackage: box))
    }

    /// A template of `sources` and `build` with what the template's post-processors read
    /// (its variables and locals), for real `packer build`s of them.
    static func postProcessorTemplate(sources: [HCL.Item], build: HCL.Block) -> String {
        HCL.render(sources + [
            .block(HCL.Block("variable", ["image_version"], [.attribute("type", .raw("string")), .attribute("default", .string("2026.11.1"))])),
            .block(HCL.Block("variable", ["git_commit"], [.attribute("type", .raw("string")), .attribute("default", .string("x"))])),
            .block(HCL.Block("variable", ["qemu_source_image"], [.attribute("type", .raw("string")), .attribute("default", .string("file:///base.qcow2"))])),
            .block(HCL.Block("variable", ["qemu_source_checksum"], [.attribute("type", .raw("string")), .attribute("default", .string("sha256:00"))])),
            .block(HCL.Block("locals", [], [.attribute("lock_sha256", .string("e"))])),
            .block(build),
        ])
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
    /// Writes the template and everything it references into a directory, as `build` does
    /// (placeholders for the uploaded files: validate only checks that they exist).
    func materialize(_ template: PackerTemplate, lock: LockFile, in directory: TemporaryDirectory) throws -> String {
        let main = try directory.write("\(lock.image.name).pkr.hcl", template.main)
        try directory.write("\(PackerTemplate.initDirectory)/versions.pkr.hcl", template.versions)
        try directory.write("\(lock.image.name).lock.json", String(decoding: lock.encoded(), as: UTF8.self))
        for name in ["compose.yml", "docker-compose.pinned.yml", "health-checks.json",
                     "\(lock.image.name)-\(lock.image.version).tar.gz", Samples.box.fileName] {
            try directory.write(name, "{}\n")
        }
        for script in PackerTemplate.scripts {
            try directory.write("scripts/\(script)", "#!/bin/sh\n")
        }
        try directory.write("build-contexts/ingest/Dockerfile", "FROM scratch\n")
        return main
    }

    @Test(arguments: [false, true])
    func exampleTemplateValidatesAndIsFormattedWithPacker(buildFallback: Bool) async throws {
        let definition = try Samples.definition()
        let lock = Samples.lock(definition, buildFallback: buildFallback)
        let template = Samples.template(definition, lock)
        let directory = try TemporaryDirectory("packer")
        let main = try materialize(template, lock: lock, in: directory)
        let fmt = try await ProcessSupport.runDetached("packer", ["fmt", "-check", "-diff", main])
        #expect(fmt.status == 0, "packer fmt -check:\n\(fmt.stdout)\(fmt.stderr)")
        let versions = directory.file("\(PackerTemplate.initDirectory)/versions.pkr.hcl")
        let versionsFmt = try await ProcessSupport.runDetached("packer", ["fmt", "-check", "-diff", versions])
        #expect(versionsFmt.status == 0, "packer fmt -check versions:\n\(versionsFmt.stdout)\(versionsFmt.stderr)")
        // The output directory itself, with no -var: no key file or seed needs to exist first.
        let validate = try await ProcessSupport.runDetached("packer", ["validate", directory.path])
        #expect(validate.status == 0, "packer validate:\n\(validate.stdout)\(validate.stderr)")
    }

    @Test func variableValidationRejectsABadVersion() async throws {
        let definition = try Samples.definition()
        let lock = Samples.lock(definition)
        let template = Samples.template(definition, lock, gitCommit: nil)
        let directory = try TemporaryDirectory("packer-var")
        let main = try materialize(template, lock: lock, in: directory)
        let validate = try await ProcessSupport.runDetached("packer", ["validate", "-var", "image_version=latest", main])
        #expect(validate.status != 0)
        #expect((validate.stdout + validate.stderr).contains("The image_version must look like YYYY.MM.N"))
    }
}

@Suite struct ManifestMergeTests {
    func merge(in directory: TemporaryDirectory, source: String) async throws -> ProcessSupport.Output {
        try await ProcessSupport.runDetached("/bin/sh", ["-c", PackerTemplate.mergeBuiltImagesCommand],
                               environment: ["PATH": "/usr/bin:/bin", "IMAGESMITH_OUT": directory.path, "IMAGESMITH_SOURCE": source])
    }

    @Test func builtImageIdsJoinTheirSourcesManifest() async throws {
        // An output directory with a space and a `;` in its name: the paths are variables, not command text.
        let directory = try TemporaryDirectory("merge out; touch pwned")
        try directory.write("packer-manifest-qemu.json", #"{"builds":[{"name":"a","custom_data":{"image_version":"2026.11.1"}}],"last_run_uuid":"x"}"#)
        try directory.write("built-images-qemu.json", #"[{"name":"ingest","id":"sha256:abc"}]"#)
        try directory.write("runtime-qemu.json", #"{"docker": {"source": "distribution"}, "nvidia": {"installed": false}}"#)
        try directory.write("packer-manifest-amazon-ebs.json", #"{"builds":[{"name":"a","custom_data":{"image_version":"2026.11.1"}}],"last_run_uuid":"y"}"#)
        try directory.write("built-images-amazon-ebs.json", "[]")
        try directory.write("runtime-amazon-ebs.json", "{}")
        let result = try await merge(in: directory, source: "qemu")
        #expect(result.status == 0, "\(result.stderr)")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.file("packer-manifest-qemu.json")))) as? [String: Any]
        let builds = try #require(manifest?["builds"] as? [[String: Any]])
        let custom = try #require(builds.last?["custom_data"] as? [String: String])
        #expect(custom["image_version"] == "2026.11.1")
        #expect(custom["built_images"] == #"[{"name":"ingest","id":"sha256:abc"}]"#)
        #expect(custom["runtime"] == #"{"docker":{"source":"distribution"},"nvidia":{"installed":false}}"#)
        // The other source's manifest is not touched, and nothing ran from the directory name.
        #expect(try String(contentsOfFile: directory.file("packer-manifest-amazon-ebs.json"), encoding: .utf8).contains("built_images") == false)
        #expect(!FileManager.default.fileExists(atPath: "pwned"))
    }

    @Test func nothingAParallelBuildWritesIsShared() throws {
        let template = Samples.template(try Samples.definition(), Samples.lock(try Samples.definition()))
        // Every file a provisioner downloads or a post-processor writes under path.root is per source.
        let lines = template.main.split(separator: "\n")
        let written = lines.filter { $0.contains("destination") && $0.contains("${path.root}") || $0.contains("output ") && $0.contains("${path.root}") }
        #expect(written.count == 3, "built images, runtime, manifest: \(written)")
        #expect(written.allSatisfy { $0.contains("${source.type}") }, "\(written)")
        #expect(template.main.contains("IMAGESMITH_SOURCE=${source.type}"))
    }

    // Two sources of different types build in parallel with the template's own post-processors:
    // each ends with a manifest of its own carrying its own built images.
    @Test func twoSourcesBuiltInParallelKeepTheirOwnRecords() async throws {
        let definition = try Samples.definition()
        let directory = try TemporaryDirectory("packer-parallel")
        let build = HCL.Block("build", [], [
            .attribute("sources", .list([.string("source.null.edge"), .string("source.file.edge")])),
            .block(HCL.Block("provisioner", ["shell-local"], [
                .attribute("inline", .list([
                    .template(#"echo '[{"name":"ingest","id":"${source.type}-id"}]' > '${path.root}/built-images-${source.type}.json'"#),
                    .template(#"echo '{"nvidia":{"installed":false,"note":"${source.type}"}}' > '${path.root}/runtime-${source.type}.json'"#),
                ])),
            ])),
        ] + PackerTemplate.postProcessors(.init(definition: definition, lock: Samples.lock(definition), lockSHA256: "e",
                                                gitCommit: nil, definitionFile: "d.yaml", boxPackage: Samples.box)))
        let file = try directory.write("parallel.pkr.hcl", Samples.postProcessorTemplate(sources: [
            .block(HCL.Block("source", ["null", "edge"], [.attribute("communicator", .string("none"))])),
            .block(HCL.Block("source", ["file", "edge"], [.attribute("content", .string("x")), .attribute("target", .template("${path.root}/artifact"))])),
        ], build: build))
        let result = try await ProcessSupport.runDetached("packer", ["build", "-color=false", file], environment: [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": directory.path, "PACKER_CACHE_DIR": directory.file("cache"),
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        for type in ["null", "file"] {
            let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.file("packer-manifest-\(type).json")))) as? [String: Any]
            let builds = try #require(manifest?["builds"] as? [[String: Any]])
            #expect(builds.count == 1)
            let custom = try #require(builds.first?["custom_data"] as? [String: String])
            #expect(custom["built_images"] == #"[{"name":"ingest","id":"\#(type)-id"}]"#)
            #expect(custom["box_package"]?.hasPrefix("edge-imagesmith-box_0.3.0_amd64.deb (sha256:") == true)
            #expect(custom["runtime"] == #"{"nvidia":{"installed":false,"note":"\#(type)"}}"#)
            #expect(custom["source_image_qemu"] == "file:///base.qcow2 (sha256:00)")
        }
    }

    /// The post-processors run by a real `packer build` from an output directory whose name
    /// holds a space, a quote, a `;` and a command substitution: the paths reach the shell as
    /// values (Packer quotes environment_vars), so nothing runs from the name and the
    /// manifest is merged where it lies.
    @Test func anOutputDirectoryNamedLikeACommandRunsNothing() async throws {
        let definition = try Samples.definition()
        let base = try TemporaryDirectory("packer-hostile")
        let directory = base.file("out dir; $(touch pwned) 'q' `touch pwned2`")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(#"[{"name":"ingest","id":"null-id"}]"#.utf8).write(to: URL(fileURLWithPath: directory + "/built-images-null.json"))
        try Data(#"{"nvidia":{"installed":false}}"#.utf8).write(to: URL(fileURLWithPath: directory + "/runtime-null.json"))
        let build = HCL.Block("build", [], [.attribute("sources", .list([.string("source.null.edge")]))]
            + PackerTemplate.postProcessors(.init(definition: definition, lock: Samples.lock(definition), lockSHA256: "e",
                                                  gitCommit: nil, definitionFile: "d.yaml", boxPackage: Samples.box)))
        let file = directory + "/hostile.pkr.hcl"
        try Data(Samples.postProcessorTemplate(sources: [
            .block(HCL.Block("source", ["null", "edge"], [.attribute("communicator", .string("none"))])),
        ], build: build).utf8).write(to: URL(fileURLWithPath: file))
        let result = try await ProcessSupport.runDetached("/bin/sh", ["-c", "cd \"$1\" && exec packer build -color=false \"$2\"", "sh", base.path, file], environment: [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": base.path, "PACKER_CACHE_DIR": base.file("cache"),
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/packer-manifest-null.json"))) as? [String: Any]
        let custom = try #require((manifest?["builds"] as? [[String: Any]])?.last?["custom_data"] as? [String: String])
        #expect(custom["built_images"] == #"[{"name":"ingest","id":"null-id"}]"#)
        for name in ["pwned", "pwned2"] {
            #expect(!FileManager.default.fileExists(atPath: base.file(name)), "\(name) was created: a command ran from the directory name")
            #expect(!FileManager.default.fileExists(atPath: directory + "/" + name))
        }
    }
}
