import FoundationEssentials
import HostIO
#if canImport(Glibc)
import Glibc
#endif
import ImageReference
import Logging
import RegistryClient

/// A `ManifestStore` in a directory: one file per digest, `<root>/<algorithm>/<hex>`, holding
/// the media type on the first line and then the exact bytes. Written atomically; entries
/// are verified by the resolver on every read, so a damaged file only costs a fetch.
public struct FileManifestStore: ManifestStore {
    public let root: String
    let logger: Logger

    public init(root: String, logger: Logger = Logger(label: "imagesmith.cache")) {
        self.root = root
        self.logger = logger
    }

    /// `$XDG_CACHE_HOME/imagesmith/manifests`, else `~/.cache/imagesmith/manifests`.
    public static func defaultRoot(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/imagesmith/manifests" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.cache/imagesmith/manifests" }
        return nil
    }

    func path(_ digest: Digest) -> String { "\(root)/\(digest.algorithm.rawValue)/\(digest.encoded)" }

    public func load(_ digest: Digest) -> (mediaType: String, bytes: [UInt8])? {
        guard let data = FileManager.default.contents(atPath: path(digest)),
              let newline = data.firstIndex(of: 0x0a) else { return nil }
        let mediaType = String(decoding: data[data.startIndex..<newline], as: UTF8.self)
        return (mediaType, Array(data[(newline + 1)...]))
    }

    public func store(_ digest: Digest, mediaType: String, bytes: [UInt8]) {
        guard !mediaType.contains("\n") else { return }
        do {
            try AtomicFile.makeDirectory("\(root)/\(digest.algorithm.rawValue)", mode: 0o700)
            try AtomicFile.write(Array(mediaType.utf8) + [0x0a] + bytes, to: path(digest), mode: 0o600)
        } catch {
            logger.notice("cannot cache \(digest): \(error)")
        }
    }

    public func remove(_ digest: Digest) {
        unlink(path(digest))
    }
}
