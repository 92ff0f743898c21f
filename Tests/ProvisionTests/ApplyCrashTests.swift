import Basics
import Foundation
import Testing
import TestSupport

/// `provision apply` killed with SIGKILL at any point, then run again, must leave exactly the
/// files an uninterrupted run leaves. Crash points: the apply process kills itself at its N-th
/// durability point (PROVISION_CRASH_AT=N), for every N; and SIGKILL from outside at random
/// moments (which also lands inside writes).
@Suite struct ApplyCrashTests {
    static let binary = ProvisionCommandLineTests.binaries.appendingPathComponent("provision").path
    static let spec = ProvisionCommandLineTests.specs.appendingPathComponent("store-0042.json").path

    /// A box as the image leaves it: a cloud-init netplan file, a default hostname, the golden
    /// machine id.
    func makeRoot() throws -> TemporaryDirectory {
        let root = try TemporaryDirectory("crash-root")
        try root.write("etc/netplan/50-cloud-init.yaml", "network: {version: 2, ethernets: {eth0: {dhcp4: true}}}\n", mode: 0o600)
        try root.write("etc/hostname", "ubuntu\n")
        try root.write("etc/hosts", "127.0.0.1 localhost\n")
        try root.write("etc/machine-id", String(repeating: "c", count: 32) + "\n")
        try root.write("etc/edge-imagesmith/golden-machine-id", String(repeating: "c", count: 32) + "\n")
        return root
    }

    func apply(_ root: TemporaryDirectory, crashAt: Int? = nil) async throws -> ProcessSupport.Output {
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        if let crashAt { environment["PROVISION_CRASH_AT"] = "\(crashAt)" }
        return try await ProcessSupport.runDetached(Self.binary, ["apply", Self.spec, "--root", root.path, "--skip-registration"], environment: environment)
    }

    /// Every file and link under root: path → mode and content digest (or link target), with
    /// the random machine id and journal timestamps normalized after checking them.
    func snapshot(_ root: TemporaryDirectory) throws -> [String: String] {
        var result: [String: String] = [:]
        let manager = FileManager.default
        for path in try manager.subpathsOfDirectory(atPath: root.path).sorted() {
            let full = root.file(path)
            #expect(!(path as NSString).lastPathComponent.contains(".tmp-"), "stale temporary file \(path)")
            if let target = try? manager.destinationOfSymbolicLink(atPath: full) { result[path] = "-> \(target)"; continue }
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let mode = (try manager.attributesOfItem(atPath: full)[.posixPermissions] as? Int) ?? 0
            var contents = try String(contentsOfFile: full, encoding: .utf8)
            if path == "etc/machine-id" || path == "var/lib/edge-provision/machine-id.new" {
                let id = contents.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(id.count == 32 && id != String(repeating: "c", count: 32), "\(path) is a new id")
                contents = "<machine id>"
            }
            if path == "var/lib/edge-provision/journal.json" {
                // Timestamps differ between runs, and so does the random machine id's digest.
                let journal = try #require(try JSONSerialization.jsonObject(with: Data(contents.utf8)) as? [String: Any])
                let steps = try #require(journal["steps"] as? [String: [String: String]])
                let digests = steps.keys.sorted().map { "\($0)=\($0 == "/etc/machine-id" ? "<id>" : steps[$0]?["digest"] ?? "")" }
                contents = "\(journal["configured"] ?? "") \(journal["spec_sha256"] ?? "") \(digests)"
            }
            result[path] = "\(String(mode, radix: 8)) \(contents.hashValue)"
        }
        let machineID = try String(contentsOfFile: root.file("etc/machine-id"), encoding: .utf8)
        let candidate = try String(contentsOfFile: root.file("var/lib/edge-provision/machine-id.new"), encoding: .utf8)
        #expect(machineID == candidate, "the machine id written is the one chosen before writing")
        return result
    }

    @Test func killedAtEveryDurabilityPointThenRunAgainConverges() async throws {
        let reference = try makeRoot()
        #expect(try await apply(reference).status == 0)
        let expected = try snapshot(reference)
        #expect(expected["var/lib/edge-provision/backup/etc/netplan/50-cloud-init.yaml"] != nil, "the image's netplan file is backed up")
        #expect(expected["etc/netplan/50-cloud-init.yaml"] == nil)

        var point = 1
        var crashes = 0
        while point < 200 {
            let root = try makeRoot()
            let crashed = try await apply(root, crashAt: point)
            if crashed.status == 0 { break }  // fewer points than `point`: the run completed
            #expect(crashed.status == SIGKILL, "point \(point): \(crashed.stderr)")
            crashes += 1
            let again = try await apply(root)
            #expect(again.status == 0, "re-run after a crash at point \(point): \(again.stderr)")
            #expect(try snapshot(root) == expected, "after a crash at point \(point)")
            point += 1
        }
        #expect(crashes >= 27, "every action has three crash points (found \(crashes))")
    }

    @Test func killedFromOutsideAtRandomMomentsConverges() async throws {
        let reference = try makeRoot()
        #expect(try await apply(reference).status == 0)
        let expected = try snapshot(reference)
        var generator = SplitMix64.seeded(for: "killedFromOutsideAtRandomMomentsConverges")
        let seed = generator.seed
        for round in 0..<8 {
            let root = try makeRoot()
            // Several kills in a row on the same box, then one run to the end. The delays come
            // from the seeded generator; the waiting happens off the cooperative pool.
            let delays = (0..<3).map { _ in UInt32.random(in: 1_000...40_000, using: &generator) }
            try await ProcessSupport.detached { [binary = Self.binary, spec = Self.spec, path = root.path] in
                for delay in delays {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: binary)
                    process.arguments = ["apply", spec, "--root", path, "--skip-registration"]
                    process.standardOutput = FileHandle.nullDevice
                    process.standardError = FileHandle.nullDevice
                    try process.run()
                    usleep(delay)
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                }
            }
            let final = try await apply(root)
            #expect(final.status == 0, "round \(round), TEST_SEED=\(seed): \(final.stderr)")
            #expect(try snapshot(root) == expected, "round \(round), TEST_SEED=\(seed)")
        }
    }

    @Test func statusReportsProgress() async throws {
        let root = try makeRoot()
        let before = try await ProcessSupport.runDetached(Self.binary, ["status", "--root", root.path])
        #expect(before.status == 3)
        #expect(before.stdout.contains("not provisioned yet"))
        #expect(try await apply(root, crashAt: 4).status == SIGKILL)
        let partial = try await ProcessSupport.runDetached(Self.binary, ["status", "--root", root.path])
        #expect(partial.stdout.contains("configuration: INCOMPLETE"))
        #expect(try await apply(root).status == 0)
        let done = try await ProcessSupport.runDetached(Self.binary, ["status", "--root", root.path])
        #expect(done.stdout.contains("configuration: complete"))
        #expect(done.stdout.contains("done  /etc/netplan/60-edge-site.yaml"))
        #expect(done.stdout.contains("registration: pending"))
    }

    @Test func invalidSpecWritesNothing() async throws {
        let root = try makeRoot()
        let before = try snapshotPaths(root)
        let directory = try TemporaryDirectory("bad-spec")
        let bad = try directory.write("site.json", try String(contentsOfFile: Self.spec, encoding: .utf8).replacingOccurrences(of: "\"cam-gw-01\"", with: "\"-bad\""))
        let result = try await ProcessSupport.runDetached(Self.binary, ["apply", bad, "--root", root.path, "--skip-registration"])
        #expect(result.status == 65)
        #expect(try snapshotPaths(root) == before)
    }

    func snapshotPaths(_ root: TemporaryDirectory) throws -> [String] { try FileManager.default.subpathsOfDirectory(atPath: root.path).sorted() }
}
