import Foundation
import OCILayout

/// Registry storage seeded once per test process: images built here as OCI layouts and pushed
/// with skopeo to a plain registry. Each test then starts its own registry (plain, Basic, TLS,
/// token) over this storage, and asserts digests against what was written.
public struct SeededImages: Sendable {
    public struct Image: Sendable {
        public var repository: String
        public var tag: String
        public var digest: String
        public var mediaType: String
        public var size: Int
        /// platform text (os/arch[/variant]) -> child manifest digest
        public var children: [String: String]
    }

    public var storage: String
    /// single-platform image (linux/amd64), an OCI manifest
    public var single: Image
    /// two-platform index (linux/amd64, linux/arm64) with an unknown/unknown attestation
    public var multi: Image
    /// index with linux/arm/v7 and linux/arm64/v8 entries
    public var arm: Image
    /// an index whose only entry is another index (nested)
    public var nested: Image
    /// Docker manifest list (linux/amd64, linux/arm/v7) with Docker v2 manifests
    public var dockerList: Image
    /// a single Docker v2 manifest (linux/arm64)
    public var dockerSingle: Image

    public static func shared() async throws -> SeededImages { try await SeedCache.shared.value() }
}

actor SeedCache {
    static let shared = SeedCache()
    private var task: Task<SeededImages, any Error>?
    private var keep: [AnyObject] = []

    func value() async throws -> SeededImages {
        if let task { return try await task.value }
        let task = Task { try self.build() }
        self.task = task
        return try await task.value
    }

    nonisolated func build() throws -> SeededImages {
        let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("edge-seed-\(getpid())")
        try? FileManager.default.removeItem(at: root)
        let storage = root.appendingPathComponent("storage").path
        let layoutDirectory = root.appendingPathComponent("layout")
        try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
        let writer = OCILayoutWriter(directory: layoutDirectory)
        let single = try writer.write(tag: "single", platforms: [.init("linux/amd64")], seed: "single")
        let multi = try writer.write(tag: "multi", platforms: [.init("linux/amd64"), .init("linux/arm64")], seed: "multi", attestation: true)
        let arm = try writer.write(tag: "arm", platforms: [.init("linux/arm/v7"), .init("linux/arm64/v8")], seed: "arm")
        let inner = try writer.write(tag: "inner", platforms: [.init("linux/amd64"), .init("linux/riscv64")], seed: "inner")
        let nested = try writer.writeNestedIndex(tag: "nested", entries: [(inner.digest, inner.size, inner.mediaType, nil)])

        let dockerWriter = OCILayoutWriter(directory: root.appendingPathComponent("docker-layout"), format: .docker)
        let dockerList = try dockerWriter.write(tag: "list", platforms: [.init("linux/amd64"), .init("linux/arm/v7")], seed: "docker-list")
        let dockerSingle = try dockerWriter.write(tag: "single", platforms: [.init("linux/arm64")], seed: "docker-single")
        try dockerWriter.exportDirTransport(dockerList, to: root.appendingPathComponent("dir-list"))
        try dockerWriter.exportDirTransport(dockerSingle, to: root.appendingPathComponent("dir-single"))

        let registry = try RegistryServer(storage: storage)
        defer { registry.stop() }
        func push(_ tag: String, _ repository: String) throws {
            try ProcessSupport.check("skopeo", ["copy", "--quiet", "--all", "--preserve-digests", "--dest-tls-verify=false",
                                                "oci:\(layoutDirectory.path):\(tag)", "docker://\(registry.host)/\(repository):\(tag == "inner" ? "inner" : "v1")"])
        }
        try push("single", "edge/single")
        try push("multi", "edge/multi")
        try push("arm", "edge/arm")
        try push("inner", "edge/nested")
        for (directory, repository) in [("dir-list", "edge/docker-list"), ("dir-single", "edge/docker-single")] {
            try ProcessSupport.check("skopeo", ["copy", "--quiet", "--all", "--preserve-digests", "--dest-tls-verify=false",
                                                "dir:\(root.appendingPathComponent(directory).path)", "docker://\(registry.host)/\(repository):v1"])
        }
        // skopeo cannot copy an index of indexes: PUT that one manifest through the registry
        // API (its children are already there).
        let nestedBlob = layoutDirectory.appendingPathComponent("blobs/sha256/\(nested.digest.dropFirst(7))").path
        try ProcessSupport.check("curl", ["-sSf", "-X", "PUT", "-H", "Content-Type: \(nested.mediaType)", "--data-binary", "@\(nestedBlob)",
                                          "http://\(registry.host)/v2/edge/nested/manifests/v1"])
        func image(_ repository: String, _ written: OCILayoutWriter.Written) -> SeededImages.Image {
            var children: [String: String] = [:]
            for child in written.children {
                children["\(child.platform.os)/\(child.platform.architecture)\(child.platform.variant.map { "/\($0)" } ?? "")"] = child.digest
            }
            return .init(repository: repository, tag: "v1", digest: written.digest, mediaType: written.mediaType, size: written.size, children: children)
        }
        var nestedImage = image("edge/nested", nested)
        nestedImage.children = image("edge/nested", inner).children
        return SeededImages(storage: storage, single: image("edge/single", single), multi: image("edge/multi", multi),
                            arm: image("edge/arm", arm), nested: nestedImage,
                            dockerList: image("edge/docker-list", dockerList), dockerSingle: image("edge/docker-single", dockerSingle))
    }
}
