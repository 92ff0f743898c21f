import Foundation
import Testing
import TestSupport
@testable import HostIO

/// Nothing escapes the root: links planted in a box root (absolute, relative, chained, on the
/// final component, to directories and to files) are followed as the box would follow them,
/// and no operation reads, writes, renames or deletes anything outside the root.
@Suite struct RootedFileSystemTests {
    /// Every file and link under `directory`, with its bytes or target.
    static func snapshot(_ directory: String) -> [String: String] {
        var result: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [:] }
        for case let name as String in walker {
            let path = "\(directory)/\(name)"
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) { result[name] = "-> " + target; continue }
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            result[name] = isDirectory.boolValue ? "dir" : (try? String(contentsOfFile: path, encoding: .utf8)) ?? "?"
        }
        return result
    }

    /// A box root beside an `outside` directory that must never change.
    struct World {
        let directory: TemporaryDirectory
        var root: String { directory.file("root") }
        var outside: String { directory.file("outside") }
        let files: RootedFileSystem

        init(_ label: String) throws {
            directory = try TemporaryDirectory(label)
            try directory.write("outside/netplan/50-cloud-init.yaml", "host's netplan\n")
            try directory.write("outside/hostname", "host\n")
            try directory.write("outside/state/journal.json", "{}\n")
            try directory.write("root/etc/netplan/50-cloud-init.yaml", "image's netplan\n")
            try directory.write("root/srv/netplan/keep", "inside\n")
            try FileManager.default.createDirectory(atPath: directory.file("root/var/lib"), withIntermediateDirectories: true)
            files = RootedFileSystem(root: directory.file("root"))
        }

        func link(_ path: String, to target: String) throws {
            let full = root + path
            try? FileManager.default.removeItem(atPath: full)
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: target)
        }
    }

    /// The links an attacker (or a careless image) could plant, as (link in the box, target).
    static func plantings(outside: String) -> [[(String, String)]] {
        [
            [("/etc/netplan", outside + "/netplan")],
            [("/etc/netplan", "../../outside/netplan")],
            [("/etc/netplan", "../../../../../../../../../../\(outside)/netplan")],
            [("/etc", outside)],
            [("/etc", "../outside")],
            [("/var/lib/edge-provision", outside + "/state")],
            [("/var/lib/edge-provision", "../../../outside/state")],
            [("/etc/hostname", outside + "/hostname")],
            [("/etc/hostname", "../../outside/hostname")],
            [("/a", "b"), ("/b", "../../outside"), ("/etc/netplan", "/a/netplan")],
            [("/etc/netplan", "/etc/netplan")],
            [("/etc/netplan", "/proc/self/root" + outside + "/netplan")],
        ]
    }

    @Test(arguments: 0..<12)
    func noOperationChangesAnythingOutsideTheRoot(row: Int) throws {
        let world = try World("rooted-\(row)")
        for (link, target) in Self.plantings(outside: world.outside)[row] { try world.link(link, to: target) }
        let before = Self.snapshot(world.outside)
        let root = world.root
        let files = world.files
        let operations: [(String, () throws -> Void)] = [
            ("write", { try files.write(Array("new\n".utf8), to: root + "/etc/netplan/60-edge-site.yaml", mode: 0o600) }),
            ("write through a final link", { try files.write(Array("box\n".utf8), to: root + "/etc/hostname", mode: 0o644) }),
            ("remove", { try files.remove(root + "/etc/netplan/50-cloud-init.yaml") }),
            ("make directories", { try files.makeDirectory(root + "/var/lib/edge-provision/backup/etc", mode: 0o700) }),
            ("write state", { try files.write(Array("{\"x\":1}\n".utf8), to: root + "/var/lib/edge-provision/journal.json", mode: 0o600) }),
            ("symlink", { try files.symlink("/usr/share/zoneinfo/UTC", at: root + "/etc/netplan/localtime") }),
            ("move", { try files.move(root + "/etc/netplan/50-cloud-init.yaml", to: root + "/var/lib/edge-provision/moved.yaml") }),
            ("remove a tree", { try files.removeTree(root + "/etc/netplan") }),
            ("remove a state tree", { try files.removeTree(root + "/var/lib/edge-provision") }),
            ("stale temporaries", { files.removeStaleTemporaries(for: root + "/etc/netplan/50-cloud-init.yaml") }),
            ("lock", { _ = try files.lock(root + "/var/lib/edge-provision/lock") }),
        ]
        for (name, operation) in operations {
            try? operation()
            #expect(Self.snapshot(world.outside) == before, "row \(row): \(name) changed something outside the root")
        }
        // Reads are confined too: nothing outside is ever returned.
        #expect(files.contents(root + "/etc/hostname").map { String(decoding: $0, as: UTF8.self) } != "host\n")
        #expect((try? files.list(root + "/etc/netplan"))?.contains("50-cloud-init.yaml") != true || files.text(root + "/etc/netplan/50-cloud-init.yaml") != "host's netplan\n")
    }

    @Test func linksInsideTheRootAreFollowedAsTheBoxWouldFollowThem() throws {
        let world = try World("rooted-inside")
        // Absolute: from the box's own /, so into ROOT/srv/netplan.
        try world.link("/etc/netplan", to: "/srv/netplan")
        try world.files.write(Array("site\n".utf8), to: world.root + "/etc/netplan/60-edge-site.yaml", mode: 0o600)
        #expect(try String(contentsOfFile: world.root + "/srv/netplan/60-edge-site.yaml", encoding: .utf8) == "site\n")
        #expect(world.files.text(world.root + "/etc/netplan/keep") == "inside\n")
        #expect(Set(try world.files.list(world.root + "/etc/netplan")) == ["keep", "60-edge-site.yaml"])
        // `..` stops at the root: /../../srv is /srv.
        try world.link("/etc/up", to: "../../../../srv/netplan/keep")
        #expect(world.files.text(world.root + "/etc/up") == "inside\n")
        // A final link is replaced, not written through.
        try world.link("/etc/hostname", to: "/srv/netplan/keep")
        try world.files.write(Array("box\n".utf8), to: world.root + "/etc/hostname", mode: 0o644)
        #expect(world.files.kind(world.root + "/etc/hostname") == .file)
        #expect(try String(contentsOfFile: world.root + "/srv/netplan/keep", encoding: .utf8) == "inside\n")
        #expect(world.files.permissions(world.root + "/etc/hostname") == 0o644)
    }

    @Test func loopsPathsOutsideAndNamedFilesOutside() throws {
        let world = try World("rooted-edges")
        try world.link("/loop", to: "loop")
        #expect(throws: HostIOError.self) { try world.files.write([1], to: world.root + "/loop/x", mode: 0o644) }
        #expect(throws: HostIOError.self) { try world.files.write([1], to: world.outside + "/hostname", mode: 0o644) }
        #expect(throws: HostIOError.self) { try world.files.remove(world.root + "/../outside/hostname") }
        #expect(world.files.contents(world.outside + "/hostname") == nil)
        #expect(try String(contentsOfFile: world.outside + "/hostname", encoding: .utf8) == "host\n")
        // An operator-named file outside (rollback --grubenv) is reached where it is, and only it.
        let named = RootedFileSystem(root: world.root, namedOutside: [world.outside + "/grubenv"])
        try named.write(Array("env\n".utf8), to: world.outside + "/grubenv", mode: 0o644)
        #expect(named.text(world.outside + "/grubenv") == "env\n")
        #expect(named.contents(world.outside + "/hostname") == nil)
    }

    @Test func aMissingRootIsMadeOnlyWhenDirectoriesAre() throws {
        let directory = try TemporaryDirectory("rooted-new")
        let files = RootedFileSystem(root: directory.file("box"))
        #expect(files.contents(directory.file("box/etc/hostname")) == nil)
        #expect(!FileManager.default.fileExists(atPath: directory.file("box")))
        try files.makeDirectory(directory.file("box/etc"), mode: 0o755)
        try files.write(Array("x\n".utf8), to: directory.file("box/etc/hostname"), mode: 0o644)
        #expect(try String(contentsOfFile: directory.file("box/etc/hostname"), encoding: .utf8) == "x\n")
    }
}
