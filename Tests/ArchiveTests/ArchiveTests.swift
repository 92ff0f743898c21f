import Archive
import Foundation
import OCILayout
import Testing
import TestSupport

@Suite struct ArchiveTests {
    func makeTar(_ compression: TarWriter.Compression) throws -> [UInt8] {
        let tar = try TarWriter(compression: compression, modificationTime: 1_700_000_000)
        try tar.addDirectory("etc")
        try tar.addFile("etc/hello.txt", contents: Array("hello\n".utf8))
        try tar.addFile("bin/run.sh", contents: Array("#!/bin/sh\n".utf8), mode: 0o755)
        return try tar.finish()
    }

    @Test(arguments: [TarWriter.Compression.none, .gzip])
    func sameEntriesGiveTheSameBytes(compression: TarWriter.Compression) throws {
        #expect(try makeTar(compression) == makeTar(compression))
    }

    @Test func gzipHeaderCarriesNoTimestamp() throws {
        let bytes = try makeTar(.gzip)
        #expect(Array(bytes.prefix(2)) == [0x1f, 0x8b])
        #expect(Array(bytes[4..<8]) == [0, 0, 0, 0], "MTIME must be zero for reproducible bundles")
    }

    @Test func gnuTarReadsWhatWasWritten() async throws {
        let directory = try TemporaryDirectory("tar")
        let path = directory.file("out.tar.gz")
        try Data(makeTar(.gzip)).write(to: URL(fileURLWithPath: path))
        let listing = try await ProcessSupport.checkDetached("tar", ["-tvzf", path, "--numeric-owner"])
        let lines = listing.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(lines.map { String($0.last!) } == ["etc/", "etc/hello.txt", "bin/run.sh"])
        #expect(lines.map { String($0[0]) } == ["drwxr-xr-x", "-rw-r--r--", "-rwxr-xr-x"])
        #expect(lines.allSatisfy { $0[1] == "0/0" })
        try await ProcessSupport.checkDetached("tar", ["-xzf", path, "-C", directory.path])
        #expect(try String(contentsOfFile: directory.file("etc/hello.txt"), encoding: .utf8) == "hello\n")
    }

    @Test func ociLayoutIsDeterministicAndContentAddressed() async throws {
        let first = try TemporaryDirectory("layout-a"), second = try TemporaryDirectory("layout-b")
        let a = try OCILayoutWriter(directory: first.url).write(tag: "t", platforms: [.init("linux/amd64"), .init("linux/arm64")], seed: "s")
        let b = try OCILayoutWriter(directory: second.url).write(tag: "t", platforms: [.init("linux/amd64"), .init("linux/arm64")], seed: "s")
        #expect(a.digest == b.digest)
        #expect(a.children.map(\.digest) == b.children.map(\.digest))
        let c = try OCILayoutWriter(directory: second.url).write(tag: "u", platforms: [.init("linux/amd64")], seed: "other")
        #expect(c.digest != a.children[0].digest)
        // Every blob is stored under the hash of its bytes.
        let blobs = first.url.appendingPathComponent("blobs/sha256")
        for name in try FileManager.default.contentsOfDirectory(atPath: blobs.path) {
            let output = try await ProcessSupport.checkDetached("sha256sum", [blobs.appendingPathComponent(name).path])
            #expect(output.hasPrefix(name))
        }
    }
}
