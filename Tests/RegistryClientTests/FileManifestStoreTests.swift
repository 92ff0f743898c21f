import Foundation
import ImageReference
import ManifestCache
import Testing
import TestSupport

/// The manifest cache on disk (the resolver's `ManifestStore` for the build host).
@Suite struct FileManifestStoreTests {
    let digest = try! Digest(parsing: "sha256:" + String(repeating: "ab", count: 32))

    @Test func roundTripsBytesAndMediaType() throws {
        let directory = try TemporaryDirectory("store")
        let store = FileManifestStore(root: directory.file("cache"))
        #expect(store.load(digest) == nil)
        let bytes: [UInt8] = Array("{\"a\":1}\n\n".utf8) + [0, 255]
        store.store(digest, mediaType: "application/vnd.oci.image.index.v1+json", bytes: bytes)
        let loaded = try #require(store.load(digest))
        #expect(loaded.mediaType == "application/vnd.oci.image.index.v1+json")
        #expect(loaded.bytes == bytes)
        #expect(FileManager.default.fileExists(atPath: directory.file("cache/sha256/\(digest.encoded)")))
        store.remove(digest)
        #expect(store.load(digest) == nil)
    }

    @Test func unwritableCacheIsNotAnError() throws {
        let store = FileManifestStore(root: "/proc/not-writable/cache")
        store.store(digest, mediaType: "x", bytes: [1])
        #expect(store.load(digest) == nil)
    }

    @Test func defaultRootFollowsXDG() {
        #expect(FileManifestStore.defaultRoot(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]) == "/x/imagesmith/manifests")
        #expect(FileManifestStore.defaultRoot(environment: ["HOME": "/h"]) == "/h/.cache/imagesmith/manifests")
        #expect(FileManifestStore.defaultRoot(environment: ["XDG_CACHE_HOME": "relative"]) == nil)
    }
}
