import Basics
import BoxConfig
import Foundation
import HostIO
@testable import Provisioning
import SiteSpec
import Testing

/// Re-provisioning converges: applying another spec (or the same spec with another renderer)
/// leaves exactly the files an apply on a fresh copy of the image leaves. And a spec whose
/// time client the image does not have is refused before anything is written.
@Suite struct ReprovisioningTests {
    static func spec(_ name: String) -> [UInt8] {
        Array((try? Data(contentsOf: ProvisionCommandLineTests.specs.appendingPathComponent(name))) ?? Data())
    }

    /// An image with files of its own where provision writes: netplan, chrony.conf (0640),
    /// a timesyncd drop-in directory that exists, an /etc/hosts.
    static func image(programs: [String] = []) throws -> InMemoryFileSystem {
        let files = try ProvisioningEngineTests.imageRoot()
        try files.makeDirectory("/box/etc/chrony", mode: 0o755)
        try files.write(Array("pool 2.debian.pool.ntp.org iburst\n".utf8), to: "/box/etc/chrony/chrony.conf", mode: 0o640)
        try files.write(Array("127.0.0.1 localhost\n".utf8), to: "/box/etc/hosts", mode: 0o644)
        try files.makeDirectory("/box/etc/systemd/network", mode: 0o755)
        for program in programs {
            try files.makeDirectory("/box" + Path.parent(program), mode: 0o755)
            try files.write([0x7f, 0x45, 0x4c, 0x46], to: "/box" + program, mode: 0o755)
        }
        return files
    }

    static func apply(_ files: InMemoryFileSystem, _ name: String, _ renderer: BoxConfigurator.NetworkRenderer) throws(ProvisionError) {
        let context = ProvisioningEngineTests.context(files)
        let bytes = spec(name)
        let site = try SpecLoader.parse(bytes, name: name, context: context)
        _ = try ApplyStep.run(site: site, specBytes: bytes, specName: name, renderer: renderer, context: context)
    }

    /// The box's files, without provision's own state (its journal differs by history).
    static func boxFiles(_ files: InMemoryFileSystem) -> [String: InMemoryFileSystem.Node] {
        files.tree.filter { !$0.key.hasPrefix("/box/var/lib/edge-provision") }
    }

    @Test(arguments: [
        ("store-0042.json", BoxConfigurator.NetworkRenderer.netplan, "store-0042.json", BoxConfigurator.NetworkRenderer.networkd),
        ("store-0042.json", .networkd, "store-0042.json", .netplan),
        ("store-0042.json", .netplan, "lab-ipv6.json", .networkd),
        ("lab-ipv6.json", .networkd, "kiosk-dhcp.json", .netplan),
        ("warehouse-bond.json", .networkd, "lab-ipv6.json", .netplan),
        ("lab-ipv6.json", .netplan, "store-0042.json", .netplan),
    ])
    func anotherSpecLeavesWhatAFreshApplyLeaves(first: String, firstRenderer: BoxConfigurator.NetworkRenderer,
                                               second: String, secondRenderer: BoxConfigurator.NetworkRenderer) throws {
        let reprovisioned = try Self.image()
        try Self.apply(reprovisioned, first, firstRenderer)
        try Self.apply(reprovisioned, second, secondRenderer)
        let fresh = try Self.image()
        try Self.apply(fresh, second, secondRenderer)
        let got = Self.boxFiles(reprovisioned), want = Self.boxFiles(fresh)
        for path in Set(got.keys).union(want.keys).sorted() where got[path] != want[path] {
            Issue.record("\(first) (\(firstRenderer)) then \(second) (\(secondRenderer)): \(path) is \(got[path].map { "\($0)" } ?? "absent"), a fresh apply leaves \(want[path].map { "\($0)" } ?? "absent")")
        }
        // And back: the first spec again converges on its own fresh result.
        try Self.apply(reprovisioned, first, firstRenderer)
        let back = try Self.image()
        try Self.apply(back, first, firstRenderer)
        #expect(Self.boxFiles(reprovisioned) == Self.boxFiles(back))
    }

    /// An interruption anywhere while re-provisioning (a power cut after any single change)
    /// converges on the next run.
    @Test func aPowerCutWhileReprovisioningConverges() throws {
        let fresh = try Self.image()
        try Self.apply(fresh, "lab-ipv6.json", .networkd)
        var cut = 0
        while true {
            let disk = try Self.image()
            try Self.apply(disk, "store-0042.json", .netplan)
            disk.failingAfter(cut)
            var finished = true
            do { try Self.apply(disk, "lab-ipv6.json", .networkd) } catch { finished = false }
            let next = disk.copy()
            try Self.apply(next, "lab-ipv6.json", .networkd)
            #expect(Self.boxFiles(next) == Self.boxFiles(fresh), "power cut after \(cut) changes")
            if finished { break }
            cut += 1
        }
        #expect(cut > 5)
    }

    @Test(arguments: [
        (["/usr/sbin/chronyd"], "lab-ipv6.json", "'timesyncd' does not fit this image"),
        (["/lib/systemd/systemd-timesyncd"], "store-0042.json", "'chrony' does not fit this image"),
        (["/usr/lib/systemd/systemd-timesyncd"], "kiosk-dhcp.json", "'chrony' does not fit this image"),
    ])
    func aTimeClientTheImageDoesNotHaveIsRefusedBeforeAnythingIsWritten(programs: [String], spec: String, message: String) throws {
        let files = try Self.image(programs: programs)
        let before = files.tree
        do {
            try Self.apply(files, spec, .netplan)
            Issue.record("expected a refusal")
        } catch {
            guard case .invalidSpec(let problem) = error else { Issue.record("\(error)"); return }
            #expect(error.exitStatus == .dataError)
            #expect(problem.issues.map(\.pointer) == ["/time/client"])
            #expect(problem.issues.first?.message.contains(message) == true, "\(problem)")
            #expect(problem.issues.first?.position.line ?? 0 > 1)
        }
        #expect(files.tree == before)
    }

    @Test(arguments: [[], ["/usr/sbin/chronyd", "/lib/systemd/systemd-timesyncd"]])
    func anImageWithNeitherOrBothClientsIsNotJudged(programs: [String]) throws {
        let files = try Self.image(programs: programs)
        try Self.apply(files, "lab-ipv6.json", .netplan)
        try Self.apply(files, "store-0042.json", .netplan)
    }

    /// A journal read back as hostile: one naming paths outside the box's tree is not used.
    @Test func aJournalNamingPathsOutsideTheBoxIsNotUsed() throws {
        let files = try Self.image()
        try Self.apply(files, "store-0042.json", .netplan)
        let context = ProvisioningEngineTests.context(files)
        var journal = try #require(Journal.load(context))
        journal.steps["/../../etc/passwd"] = .init(digest: "x", at: "now")
        try files.write(CanonicalJSON.encode(journal), to: Journal.path(root: "/box"), mode: 0o600)
        #expect(Journal.load(context) == nil)
        journal.steps["/../../etc/passwd"] = nil
        journal.createdDirectories = ["/etc/../.."]
        try files.write(CanonicalJSON.encode(journal), to: Journal.path(root: "/box"), mode: 0o600)
        #expect(Journal.load(context) == nil)
    }
}
