import Basics
import BoxConfig
import Foundation
import HTTPCore
import HostIO
@testable import Provisioning
import SiteSpec
import Testing

/// Provisioning's rules in-process, over an `InMemoryFileSystem`, a fixed clock and machine
/// id, and an HTTP transport that answers from a script: apply converges after a power cut at
/// any step, a re-run changes nothing, a changed spec is applied again, registration's
/// outcomes are journaled (the claim token never). ApplyCrashTests and RegistrationTests run
/// the same rules through the real binary, SIGKILL, libcurl and an HTTPS server.
@Suite struct ProvisioningEngineTests {
    static let specBytes = Array((try? Data(contentsOf: ProvisionCommandLineTests.specs.appendingPathComponent("store-0042.json"))) ?? Data())
    static let token = "example-claim-token-store-0042"

    struct FixedClock: WallClock { func now() -> Date { Date(timeIntervalSince1970: 1_795_000_000) } }

    final class Lines: @unchecked Sendable {
        private let lock = Basics.Lock()
        private var storage: [String] = []
        func add(_ line: String) { lock.withLock { storage.append(line) } }
        var all: [String] { lock.withLock { storage } }
    }

    /// A box root as the image leaves it, in memory.
    static func imageRoot() throws -> InMemoryFileSystem {
        let files = InMemoryFileSystem()
        try files.makeDirectory("/box/etc/netplan", mode: 0o755)
        try files.makeDirectory("/box/etc/edge-imagesmith", mode: 0o755)
        try files.write(Array("edge-golden\n".utf8), to: "/box/etc/hostname", mode: 0o644)
        try files.write(Array("network: {version: 2, ethernets: {eth0: {dhcp4: true}}}\n".utf8), to: "/box/etc/netplan/50-cloud-init.yaml", mode: 0o600)
        try files.write(Array((String(repeating: "b", count: 32) + "\n").utf8), to: "/box/etc/machine-id", mode: 0o444)
        try files.write(Array((String(repeating: "b", count: 32) + "\n").utf8), to: "/box/etc/edge-imagesmith/golden-machine-id", mode: 0o644)
        try files.write(specBytes, to: "/box/etc/edge-imagesmith/site_spec.json", mode: 0o600)
        return files
    }

    static func context(_ files: any FileSystem, lines: Lines = Lines()) -> ProvisionContext {
        ProvisionContext(root: "/box", files: files, clock: FixedClock(), say: { lines.add($0) }, warn: { lines.add("! " + $0) },
                         newMachineID: { String(repeating: "7", count: 32) })
    }

    static func apply(_ files: any FileSystem, bytes: [UInt8] = specBytes) throws(ProvisionError) -> Journal {
        let context = context(files)
        let spec = try SpecLoader.parse(bytes, name: "site_spec.json", context: context)
        return try ApplyStep.run(site: spec, specBytes: bytes, specName: "site_spec.json", renderer: .netplan, context: context)
    }

    @Test func applyWritesTheSiteAndARunAgainChangesNothing() throws {
        let files = try Self.imageRoot()
        let journal = try Self.apply(files)
        #expect(journal.configured)
        #expect(files.text("/box/etc/hostname") == "cam-gw-01\n")
        #expect(files.text("/box/etc/machine-id") == String(repeating: "7", count: 32) + "\n")
        #expect(!files.exists("/box/etc/netplan/50-cloud-init.yaml"))
        #expect(files.exists("/box/var/lib/edge-provision/backup/etc/netplan/50-cloud-init.yaml"))
        #expect(files.permissions("/box/var/lib/edge-provision/journal.json") == 0o600)
        let before = files.tree
        let mutations = files.mutations
        let again = try Self.apply(files)
        #expect(again == journal)
        #expect(files.tree == before)
        #expect(files.mutations - mutations == 1, "only the journal is saved again (same bytes)")
    }

    @Test func applyConvergesAfterAPowerCutAtEveryStep() throws {
        let reference = try Self.imageRoot()
        let start = reference.mutations
        _ = try Self.apply(reference)
        let steps = reference.mutations - start
        let expected = reference.tree
        #expect(steps > 5)
        for cut in 0..<steps {
            let files = try Self.imageRoot().failingAfter(cut)
            #expect(throws: ProvisionError.self, "cut after \(cut) of \(steps)") { try Self.apply(files) }
            let disk = files.copy()
            // The image's files are never lost: each is either in place or backed up.
            #expect(disk.exists("/box/etc/netplan/50-cloud-init.yaml") || disk.exists("/box/var/lib/edge-provision/backup/etc/netplan/50-cloud-init.yaml"))
            _ = try Self.apply(disk)
            let differing = Set(disk.tree.keys).union(expected.keys).filter { disk.tree[$0] != expected[$0] }.sorted()
            #expect(differing.isEmpty, "cut after \(cut) of \(steps) mutations: \(differing) differ from an uninterrupted apply")
        }
    }

    @Test func aChangedSpecIsAppliedAgainAndMarkedByItsDigest() throws {
        let files = try Self.imageRoot()
        let first = try Self.apply(files)
        let renamed = Array(String(decoding: Self.specBytes, as: UTF8.self).replacingOccurrences(of: "\"cam-gw-01\"", with: "\"cam-gw-02\"").utf8)
        let second = try Self.apply(files, bytes: renamed)
        #expect(second.specSHA256 != first.specSHA256)
        #expect(second.configured)
        #expect(files.text("/box/etc/hostname") == "cam-gw-02\n")
        // The backup still holds the image's original, not our first output.
        #expect(files.text("/box/var/lib/edge-provision/backup/etc/hostname") == "edge-golden\n")
    }

    @Test func anInvalidSpecWritesNothing() throws {
        let files = try Self.imageRoot()
        let before = files.tree
        let broken = Array(String(decoding: Self.specBytes, as: UTF8.self).replacingOccurrences(of: "\"cam-gw-01\"", with: "\"Cam_GW\"").utf8)
        #expect { try Self.apply(files, bytes: broken) } throws: { error in
            guard let error = error as? ProvisionError, case .invalidSpec(let spec) = error else { return false }
            return error.exitStatus == .dataError && spec.issues.map(\.pointer) == ["/device/hostname"]
        }
        #expect(files.tree == before)
    }

    // MARK: Registration

    /// Answers from a script (the last answer repeats); records what was asked.
    final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
        private let lock = Basics.Lock()
        private var answers: [Result<HTTPResponse, TransportError>]
        private(set) var requests: [HTTPRequest] = []
        init(_ answers: [Result<HTTPResponse, TransportError>]) { self.answers = answers }
        var count: Int { lock.withLock { requests.count } }
        var bodies: [String] { lock.withLock { requests.map { String(decoding: $0.body ?? [], as: UTF8.self) } } }

        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            let answer = lock.withLock { () -> Result<HTTPResponse, TransportError> in
                requests.append(request)
                return answers.count > 1 ? answers.removeFirst() : answers[0]
            }
            return try answer.get()
        }
    }

    static func answer(_ status: Int, _ body: String = "") -> Result<HTTPResponse, TransportError> {
        .success(HTTPResponse(status: status, headers: HTTPHeaders(), body: Array(body.utf8)))
    }

    func register(_ transport: ScriptedTransport, files: InMemoryFileSystem, journal: inout Journal, lines: Lines = Lines(),
                  deadline: Duration = .seconds(5)) async throws -> Basics.ExitStatus {
        let context = Self.context(files, lines: lines)
        let spec = try SpecLoader.parse(Self.specBytes, name: "site_spec.json", context: context)
        return await RegistrationStep.run(spec: spec, context: context, deadline: deadline, journal: &journal, transport: { _ in transport })
    }

    @Test(arguments: [201, 409])
    func anAcceptedRegistrationIsJournaledAndMarked(status: Int) async throws {
        let files = try Self.imageRoot()
        var journal = try Self.apply(files)
        let transport = ScriptedTransport([Self.answer(status)])
        #expect(try await register(transport, files: files, journal: &journal) == .success)
        #expect(journal.registration.state == .registered)
        #expect(Journal.load(Self.context(files)) == journal)
        #expect(files.exists("/box/var/lib/edge-provision/registered"))
        #expect(files.text("/box/var/lib/edge-provision/dashboard-ca.pem")?.hasPrefix("-----BEGIN CERTIFICATE-----") == true)
        #expect(transport.bodies.first?.contains(Self.token) == true, "the token goes to the dashboard")
        // Once registered, the next run asks nothing.
        #expect(try await register(transport, files: files, journal: &journal) == .success)
        #expect(transport.count == 1)
    }

    @Test func aRefusalEchoingTheTokenIsJournaledWithoutIt() async throws {
        let files = try Self.imageRoot()
        var journal = try Self.apply(files)
        let lines = Lines()
        let transport = ScriptedTransport([Self.answer(403, "{\"error\": \"claim token \(Self.token) already used\"}")])
        #expect(try await register(transport, files: files, journal: &journal, lines: lines) == .failure)
        #expect(journal.registration.state == .failed)
        #expect(journal.registration.lastError?.contains("error=<withheld: it may echo the claim token>") == true)
        for (path, node) in files.tree {
            if case .file(let bytes, _) = node, path.hasPrefix("/box/var/lib") {
                #expect(!String(decoding: bytes, as: UTF8.self).contains(Self.token), "\(path) holds the claim token")
            }
        }
        #expect(!lines.all.joined().contains(Self.token))
        #expect(!files.exists("/box/var/lib/edge-provision/registered"))
    }

    @Test func anUnreachableDashboardLeavesRegistrationPending() async throws {
        let files = try Self.imageRoot()
        var journal = try Self.apply(files)
        let transport = ScriptedTransport([.failure(TransportError(.connectionFailed, "connection refused"))])
        #expect(try await register(transport, files: files, journal: &journal, deadline: .milliseconds(300)) == .temporaryFailure)
        #expect(journal.registration.state == .pending)
        #expect(journal.registration.attempts == transport.count)
        #expect(journal.registration.lastError?.contains("connection refused") == true)
        #expect(Journal.load(Self.context(files))?.registration.state == .pending)
    }
}

/// Time zones are the zone files the box's libc and chrony read, not any file of the zoneinfo
/// directory (Debian's tzdata, on this machine).
@Suite struct TimeZoneFileTests {
    @Test(arguments: [("UTC", true), ("America/Chicago", true), ("Europe/Berlin", true), ("Etc/UTC", true),
                      ("localtime", false), ("leapseconds", false), ("zone.tab", false), ("tzdata.zi", false), ("America", false),
                      ("Mars/Olympus", false), ("../zoneinfo/UTC", false)])
    func zonesAreCompiledZoneFiles(zone: String, valid: Bool) {
        #expect(SpecLoader.isZoneFile(zone, in: "/usr/share/zoneinfo", files: LocalFileSystem()) == valid, "\(zone)")
    }
}
