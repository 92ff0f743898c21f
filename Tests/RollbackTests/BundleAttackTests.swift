import Foundation
import Testing
import TestSupport

/// `rollback install` reads bundles with libarchive and refuses anything that is not a flat set
/// of regular files matching SHA256SUMS. The hostile archives are made with Python's tarfile,
/// which writes whatever it is told to.
@Suite struct BundleAttackTests {
    /// Writes a .tar.gz from a Python snippet that adds members to `t` (a tarfile opened for
    /// writing) and returns its path.
    func archive(_ box: RollbackBox, _ name: String, _ members: String) async throws -> String {
        let path = box.directory.file("\(name).tar.gz")
        let script = """
            import io, sys, tarfile
            t = tarfile.open(sys.argv[1], "w:gz")
            def add(name, data=b"x", kind=tarfile.REGTYPE, link=""):
                info = tarfile.TarInfo(name); info.type = kind; info.linkname = link; info.size = len(data) if kind == tarfile.REGTYPE else 0
                t.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
            \(members.split(separator: "\n").joined(separator: "\n"))
            t.close()
            """
        try await ProcessSupport.checkDetached("python3", ["-c", script, path])
        return path
    }

    static let cases: [(name: String, members: String, message: String)] = [
        ("traversal", "add('edge-test-2026.11.9/../../../escaped')", "climbs out of the bundle"),
        ("absolute", "add('/tmp/edge-rollback-absolute-escape')", "absolute path"),
        ("symlink", "add('b/release.json', kind=tarfile.SYMTYPE, link='/etc/passwd')", "symbolic link"),
        ("symlink-escape", "add('b/dir', kind=tarfile.SYMTYPE, link='../../..')\nadd('b/dir/escaped')", "symbolic link"),
        ("hardlink", "add('b/SHA256SUMS', kind=tarfile.LNKTYPE, link='/etc/shadow')", "hard link"),
        ("device", "add('b/null', kind=tarfile.CHRTYPE)", "device"),
        ("fifo", "add('b/pipe', kind=tarfile.FIFOTYPE)", "device, FIFO"),
        ("oversized", "add('b/huge', b'\\0' * (17 << 20))", "too large"),
        ("too-many", "[add('b/f%d' % i) for i in range(300)]", "more than 256 entries"),
        ("duplicate", "add('b/a')\nadd('b/a')", "appears twice"),
        ("nested", "add('b/c/d')", "bundles are flat"),
        ("no-sums", "add('b/release.json', b'{}')", "no SHA256SUMS"),
    ]

    @Test(arguments: cases.map(\.name))
    func hostileArchiveIsRefusedAndNothingIsWritten(name: String) async throws {
        let attack = try #require(Self.cases.first { $0.name == name })
        let box = try await RollbackBox()
        let path = try await archive(box, name, attack.members)
        let result = try await box.rollback(["install", path])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains(attack.message), "\(result.stderr)")
        #expect(result.stderr.contains(path), "the error names the bundle")
        let releases = (try? FileManager.default.contentsOfDirectory(atPath: "\(box.state)/releases")) ?? []
        #expect(releases.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: box.directory.file("escaped")))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/edge-rollback-absolute-escape"))
        #expect(!FileManager.default.fileExists(atPath: "\(box.root)/escaped"))
    }

    /// A real bundle, repacked with one change.
    func tampered(_ box: RollbackBox, _ change: String) async throws -> String {
        let bundle = try await box.factory.bundle("2026.11.3", in: box.directory)
        let path = box.directory.file("tampered.tar.gz")
        try await ProcessSupport.checkDetached("python3", ["-c", """
            import io, sys, tarfile
            source = tarfile.open(sys.argv[1]); t = tarfile.open(sys.argv[2], "w:gz")
            def add(name, data):
                info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
            files = {m.name: source.extractfile(m).read() for m in source.getmembers() if m.isfile()}
            \(change)
            for name, data in sorted(files.items()): add(name, data)
            t.close()
            """, bundle, path])
        return path
    }

    @Test(arguments: [
        ("files['edge-test-2026.11.3/docker-compose.pinned.yml'] = b'services: {}\\n'", "docker-compose.pinned.yml has sha256"),
        ("files['edge-test-2026.11.3/extra.sh'] = b'rm -rf /\\n'", "extra.sh is not listed in SHA256SUMS"),
        ("del files['edge-test-2026.11.3/health-checks.json']", "health-checks.json is listed in SHA256SUMS but missing"),
    ])
    func tamperedBundleIsRefused(change: String, message: String) async throws {
        let box = try await RollbackBox()
        let path = try await tampered(box, change)
        let result = try await box.rollback(["install", path])
        #expect(result.status == 65 && result.stderr.contains(message), "\(result.stderr)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: "\(box.state)/releases")) ?? []).isEmpty)
    }

    @Test func theSameVersionFromADifferentBundleIsRefused() async throws {
        let box = try await RollbackBox()
        try await box.install("2026.11.1")
        var other = box.factory
        other.services = 3
        let scratch = try TemporaryDirectory("other")
        let bundle = try await other.bundle("2026.11.1", in: scratch)
        let result = try await box.rollback(["install", bundle])
        #expect(result.status == 65 && result.stderr.contains("versions are never reused"), "\(result.stderr)")
    }

    @Test func aMissingBundleIsMissingInput() async throws {
        let box = try await RollbackBox()
        let result = try await box.rollback(["install", box.directory.file("nope.tar.gz")])
        #expect(result.status == 66 && result.stderr.contains("no such bundle"), "\(result.status) \(result.stderr)")
    }
}
