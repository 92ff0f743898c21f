import Archive
import Foundation
import Hashing

/// Writes small, real container images as OCI image layouts (`oci-layout`, `index.json`,
/// `blobs/sha256/...`) without a container engine: one tar layer made with libarchive, an
/// image config, a manifest, and for several platforms an index. Everything is deterministic,
/// so the same call gives the same digests. Used by the tests, the demo and the benchmark,
/// which push the layouts to a registry with skopeo.
public struct OCILayoutWriter {
    public enum Format: String, Sendable, CaseIterable {
        /// OCI index / OCI manifest media types.
        case oci
        /// Docker manifest list / Docker v2 manifest media types.
        case docker
    }

    public struct PlatformSpec: Sendable, Hashable {
        public var os: String
        public var architecture: String
        public var variant: String?

        public init(os: String = "linux", architecture: String, variant: String? = nil) {
            self.os = os
            self.architecture = architecture
            self.variant = variant
        }

        public init(_ text: String) {
            let parts = text.split(separator: "/").map(String.init)
            self.init(os: parts[0], architecture: parts.count > 1 ? parts[1] : "amd64", variant: parts.count > 2 ? parts[2] : nil)
        }

        var json: [String: Any] {
            var object: [String: Any] = ["os": os, "architecture": architecture]
            if let variant { object["variant"] = variant }
            return object
        }
    }

    /// What was written: the digest of the top-level manifest or index, and per platform the
    /// digest of its image manifest.
    public struct Written: Sendable {
        public var tag: String
        public var digest: String
        public var mediaType: String
        public var size: Int
        public var children: [(platform: PlatformSpec, digest: String)]
        public var attestationDigest: String?
    }

    public let directory: URL
    public let format: Format

    public init(directory: URL, format: Format = .oci) {
        self.directory = directory
        self.format = format
    }

    var indexType: String { format == .oci ? "application/vnd.oci.image.index.v1+json" : "application/vnd.docker.distribution.manifest.list.v2+json" }
    var manifestType: String { format == .oci ? "application/vnd.oci.image.manifest.v1+json" : "application/vnd.docker.distribution.manifest.v2+json" }
    var configType: String { format == .oci ? "application/vnd.oci.image.config.v1+json" : "application/vnd.docker.container.image.v1+json" }
    var layerType: String { format == .oci ? "application/vnd.oci.image.layer.v1.tar" : "application/vnd.docker.image.rootfs.diff.tar" }

    /// Writes an image for one platform (a bare manifest) or several (an index), tagged `tag`.
    /// `seed` changes the content, so different seeds give different digests.
    @discardableResult
    public func write(tag: String, platforms: [PlatformSpec], seed: String = "", attestation: Bool = false, forceIndex: Bool = false) throws -> Written {
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("blobs/sha256"), withIntermediateDirectories: true)
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: directory.appendingPathComponent("oci-layout"))

        var children: [(PlatformSpec, String, Int)] = []
        for platform in platforms {
            let (digest, size) = try writeImageManifest(platform: platform, seed: seed + tag)
            children.append((platform, digest, size))
        }
        let top: (digest: String, size: Int, mediaType: String)
        var attestationDigest: String?
        if platforms.count == 1 && !forceIndex && !attestation {
            top = (children[0].1, children[0].2, manifestType)
        } else {
            var entries: [[String: Any]] = children.map { platform, digest, size in
                ["mediaType": manifestType, "digest": digest, "size": size, "platform": platform.json]
            }
            if attestation, let first = children.first {
                let (digest, size) = try writeAttestation(for: first.1, seed: seed + tag)
                attestationDigest = digest
                entries.append([
                    "mediaType": manifestType, "digest": digest, "size": size,
                    "platform": ["os": "unknown", "architecture": "unknown"],
                    "annotations": ["vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": first.1],
                ])
            }
            let index: [String: Any] = ["schemaVersion": 2, "mediaType": indexType, "manifests": entries]
            let (digest, size) = try writeBlob(json(index))
            top = (digest, size, indexType)
        }
        try addToLayoutIndex(tag: tag, digest: top.digest, size: top.size, mediaType: top.mediaType)
        return Written(tag: tag, digest: top.digest, mediaType: top.mediaType, size: top.size,
                       children: children.map { ($0.0, $0.1) }, attestationDigest: attestationDigest)
    }

    /// Writes an index whose entries are other indexes/manifests already in this layout
    /// (nested indexes), tagged `tag`.
    @discardableResult
    public func writeNestedIndex(tag: String, entries: [(digest: String, size: Int, mediaType: String, platform: PlatformSpec?)]) throws -> Written {
        let manifests: [[String: Any]] = entries.map { entry in
            var object: [String: Any] = ["mediaType": entry.mediaType, "digest": entry.digest, "size": entry.size]
            if let platform = entry.platform { object["platform"] = platform.json }
            return object
        }
        let (digest, size) = try writeBlob(json(["schemaVersion": 2, "mediaType": indexType, "manifests": manifests]))
        try addToLayoutIndex(tag: tag, digest: digest, size: size, mediaType: indexType)
        return Written(tag: tag, digest: digest, mediaType: indexType, size: size, children: [], attestationDigest: nil)
    }

    /// Copies a written image into skopeo's `dir:` transport format (`version`, `manifest.json`,
    /// `<hex>.manifest.json` per child, blobs by hex). skopeo's `oci:` transport refuses Docker
    /// media types; `dir:` copies them byte for byte.
    public func exportDirTransport(_ written: Written, to target: URL) throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: target, withIntermediateDirectories: true)
        try Data("Directory Transport Version: 1.1\n".utf8).write(to: target.appendingPathComponent("version"))
        func blob(_ digest: String) -> URL { directory.appendingPathComponent("blobs/sha256/\(digest.dropFirst(7))") }
        func copyImage(_ manifestDigest: String, as name: String) throws {
            let manifestData = try Data(contentsOf: blob(manifestDigest))
            try manifestData.write(to: target.appendingPathComponent(name))
            guard let manifest = try JSONSerialization.jsonObject(with: manifestData) as? [String: Any] else { return }
            let descriptors = [manifest["config"] as? [String: Any]].compactMap { $0 } + ((manifest["layers"] as? [[String: Any]]) ?? [])
            for descriptor in descriptors {
                guard let digest = descriptor["digest"] as? String else { continue }
                let destination = target.appendingPathComponent(String(digest.dropFirst(7)))
                if !fileManager.fileExists(atPath: destination.path) {
                    try fileManager.copyItem(at: blob(digest), to: destination)
                }
            }
        }
        if written.children.isEmpty || (written.children.count == 1 && written.digest == written.children[0].digest) {
            try copyImage(written.digest, as: "manifest.json")
            return
        }
        try Data(contentsOf: blob(written.digest)).write(to: target.appendingPathComponent("manifest.json"))
        for child in written.children {
            try copyImage(child.digest, as: "\(child.digest.dropFirst(7)).manifest.json")
        }
    }

    func writeImageManifest(platform: PlatformSpec, seed: String) throws -> (String, Int) {
        let tar = try TarWriter(compression: .none, modificationTime: 0)
        try tar.addDirectory("etc")
        try tar.addFile("etc/edge-image", contents: Array("seed=\(seed)\nplatform=\(platform.os)/\(platform.architecture)\(platform.variant.map { "/\($0)" } ?? "")\n".utf8))
        let layer = try tar.finish()
        let (layerDigest, layerSize) = try writeBlob(layer)
        var config: [String: Any] = platform.json
        config["created"] = "2026-01-01T00:00:00Z"
        config["config"] = ["Cmd": ["/bin/true"], "Labels": ["org.opencontainers.image.title": seed]]
        config["rootfs"] = ["type": "layers", "diff_ids": [layerDigest]]
        let (configDigest, configSize) = try writeBlob(json(config))
        let manifest: [String: Any] = [
            "schemaVersion": 2, "mediaType": manifestType,
            "config": ["mediaType": configType, "digest": configDigest, "size": configSize],
            "layers": [["mediaType": layerType, "digest": layerDigest, "size": layerSize]],
        ]
        return try writeBlob(json(manifest))
    }

    func writeAttestation(for subject: String, seed: String) throws -> (String, Int) {
        let statement = try writeBlob(json(["_type": "https://in-toto.io/Statement/v0.1", "subject": [["digest": ["sha256": String(subject.dropFirst(7))]]], "seed": seed]))
        let config = try writeBlob(json(["architecture": "unknown", "os": "unknown", "rootfs": ["type": "layers", "diff_ids": [statement.0]]]))
        let manifest: [String: Any] = [
            "schemaVersion": 2, "mediaType": manifestType,
            "config": ["mediaType": configType, "digest": config.0, "size": config.1],
            "layers": [["mediaType": "application/vnd.in-toto+json", "digest": statement.0, "size": statement.1]],
        ]
        return try writeBlob(json(manifest))
    }

    func writeBlob(_ bytes: [UInt8]) throws -> (String, Int) {
        let hex = try Hash.hex(bytes)
        try Data(bytes).write(to: directory.appendingPathComponent("blobs/sha256/\(hex)"))
        return ("sha256:\(hex)", bytes.count)
    }

    func addToLayoutIndex(tag: String, digest: String, size: Int, mediaType: String) throws {
        let url = directory.appendingPathComponent("index.json")
        var manifests: [[String: Any]] = []
        if let data = try? Data(contentsOf: url),
           let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
           let existing = object["manifests"] as? [[String: Any]] {
            manifests = existing.filter { (($0["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"]) != tag }
        }
        manifests.append(["mediaType": mediaType, "digest": digest, "size": size,
                          "annotations": ["org.opencontainers.image.ref.name": tag]])
        try Data(json(["schemaVersion": 2, "manifests": manifests])).write(to: url)
    }

    func json(_ object: Any) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }
}
