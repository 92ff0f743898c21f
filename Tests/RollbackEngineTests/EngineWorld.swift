import Basics
import Foundation
import Hashing
import HostIO
import ImageReference
import Lock
import Release
@testable import RollbackEngine
import Signing
import Trust

/// The world the rollback engine runs in, in memory: the state on an `InMemoryFileSystem`, an
/// image store that answers like Docker's (inspect, tag, compose up, ps, rm), a prober whose
/// answers the test scripts, the booted slot, and a manual clock that the sleeper advances.
/// Nothing here starts a process; the process-level tests (RollbackTests, the image lab) run
/// the same rules against the real binaries, a Docker stand-in and a real Docker engine.
final class MemoryImageStore: ContainerEngine, @unchecked Sendable {
    private let lock = Basics.Lock()
    /// reference (repository@digest or repository:tag) -> platform
    private var images: [String: String] = [:]
    private(set) var composeUps: [(project: String, directory: String)] = []
    private(set) var tags: [String: String] = [:]
    private(set) var removed: [String] = []
    var running: Set<String> = []
    var failInspect = false

    func add(_ reference: String, platform: String = "linux/amd64") { lock.withLock { images[reference] = platform } }
    func drop(_ reference: String) { _ = lock.withLock { images.removeValue(forKey: reference) } }
    var composeUpCount: Int { lock.withLock { composeUps.count } }
    var lastComposeDirectory: String? { lock.withLock { composeUps.last?.directory } }

    func inspect(_ references: [String]) throws(RollbackError) -> [String: String] {
        if failInspect { throw .unavailable("the container engine does not answer") }
        return lock.withLock { Dictionary(uniqueKeysWithValues: references.compactMap { ref in images[ref].map { (ref, $0) } }) }
    }

    func tag(_ source: String, as target: String) throws(RollbackError) {
        try lock.withLock { () throws(RollbackError) in
            guard let platform = images[source] else { throw .unavailable("no such image: \(source)") }
            images[target] = platform
            tags[target] = source
        }
    }

    func composeUp(project: String, directory: String, files: [String]) throws(RollbackError) {
        lock.withLock { composeUps.append((project, directory)) }
    }

    func runningServices(project: String) throws(RollbackError) -> Set<String> { lock.withLock { running } }

    func removeImage(_ reference: String) throws(RollbackError) {
        lock.withLock { images[reference] = nil; removed.append(reference) }
    }

    /// Exit statuses by service for `exec` (0 when not set); a service not running has no container.
    var execStatus: [String: Int32] = [:]
    private(set) var execs: [(service: String, command: [String])] = []

    func exec(project: String, service: String, command: [String], timeout: TimeInterval) throws(RollbackError) -> ExecOutcome {
        try lock.withLock { () throws(RollbackError) in
            guard running.contains(service) else { throw .unavailable("service \(service) has no running container to run the check in") }
            execs.append((service, command))
            return ExecOutcome(status: execStatus[service] ?? 0, timedOut: false)
        }
    }
}

/// Answers per check name, in order (the last answer repeats); nil is a pass.
final class ScriptedProber: HealthProbing, @unchecked Sendable {
    private let lock = Basics.Lock()
    private var answers: [String: [String?]] = [:]
    private(set) var calls: [String] = []

    func script(_ name: String, _ sequence: [String?]) { lock.withLock { answers[name] = sequence } }

    func probe(_ check: HealthCheckFile.Check, project: String) -> String? {
        lock.withLock {
            calls.append(check.name)
            guard var sequence = answers[check.name], !sequence.isEmpty else { return nil }
            let answer = sequence.removeFirst()
            answers[check.name] = sequence.isEmpty ? [answer] : sequence
            return answer
        }
    }
}

final class FakeBoot: BootedSystem, @unchecked Sendable {
    var slot: Slot?
    private(set) var reboots = 0
    init(slot: Slot?) { self.slot = slot }
    func bootedSlot() -> Slot? { slot }
    func reboot() -> String? { reboots += 1; return nil }
}

/// A clock that moves only when told to, or when the engine sleeps.
final class ManualClock: WallClock, Sleeper, @unchecked Sendable {
    private let lock = Basics.Lock()
    private var current: Date
    private(set) var slept: Double = 0
    init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) { current = start }
    func now() -> Date { lock.withLock { current } }
    func advance(_ seconds: Double) { lock.withLock { current = current.addingTimeInterval(seconds) } }
    func sleep(seconds: Double) { lock.withLock { slept += seconds; current = current.addingTimeInterval(seconds) } }
}

struct EngineWorld {
    var files = InMemoryFileSystem()
    let images = MemoryImageStore()
    let prober = ScriptedProber()
    let boot = FakeBoot(slot: .a)
    let clock = ManualClock()
    let paths = RollbackPaths(root: "/box", grubenv: nil)
    var said: [String] { log.lines }
    let log = Said()

    final class Said: @unchecked Sendable {
        private let lock = Basics.Lock()
        private var storage: [String] = []
        func add(_ line: String) { lock.withLock { storage.append(line) } }
        var lines: [String] { lock.withLock { storage } }
    }

    /// The engine over this world (over `files`, which a test may swap for a copy).
    var rollback: Rollback {
        let log = self.log
        return Rollback(context: RollbackContext(
            store: RollbackStore(paths: paths, files: files), engine: images, prober: prober, system: boot,
            clock: clock, sleeper: clock, say: { log.add($0) }))
    }

    // MARK: Bundles

    static func sha(_ bytes: [UInt8]) -> String { (try? Hash.hex(bytes)) ?? "" }

    /// `repository@digest` of container `index` in `version` (indexes below `unchanged` keep
    /// one digest across versions).
    static func digest(_ index: Int, _ version: String, unchanged: Int) -> String {
        "sha256:" + sha(Array((index < unchanged ? "svc\(index)" : "svc\(index)-\(version)").utf8))
    }

    /// A release bundle of `version` with `services` pinned containers, as `imagesmith build`
    /// lays one out, and its images put in the image store (unless `pull` is false).
    @discardableResult
    func bundle(_ version: String, services: Int = 2, unchanged: Int = 0, checks: [HealthCheckFile.Entry]? = nil,
                pull: Bool = true) throws -> ReleaseBundle {
        let containers = (0..<services).map { index in
            LockFile.Container(name: "svc\(index)", reference: "registry.test/edge/svc\(index):1.0", repository: "registry.test/edge/svc\(index)",
                               tag: "1.0", source: .pinned, platform: "linux/amd64",
                               digest: try? Digest(parsing: Self.digest(index, version + "-index", unchanged: 0)),
                               platformDigest: try? Digest(parsing: Self.digest(index, version, unchanged: unchanged)),
                               mediaType: "application/vnd.oci.image.manifest.v1+json", size: 100, resolvedAt: "2026-11-21T00:00:00Z")
        }
        let lock = LockFile(image: .init(name: "edge-test", version: version), definitionSHA256: String(repeating: "0", count: 64), containers: containers)
        let lockBytes = lock.encoded()
        let checkEntries = checks ?? [HealthCheckFile.Entry(name: "up", service: "svc0", kind: "container_running", intervalSeconds: 1, timeoutSeconds: 1, retries: 0)]
        var files: [String: [UInt8]] = [
            "edge-test.lock.json": lockBytes,
            "compose.yml": Array(("name: edge\nservices:\n" + (0..<services).map { "  svc\($0):\n    image: registry.test/edge/svc\($0):1.0\n" }.joined()).utf8),
            "docker-compose.pinned.yml": Array(("services:\n" + containers.map { "  \($0.name):\n    image: \($0.pinnedReference ?? "")\n" }.joined()).utf8),
            "health-checks.json": CanonicalJSON.encode(HealthCheckFile.Document(image: "edge-test", version: version, checks: checkEntries)),
        ]
        let manifest = ReleaseManifest(image: "edge-test", version: version, lockSHA256: Self.sha(lockBytes), definitionSHA256: nil, gitCommit: nil,
                                       composeProject: "edge", files: (Array(files.keys) + ["release.json"]).sorted())
        files["release.json"] = CanonicalJSON.encode(manifest)
        files["SHA256SUMS"] = Array(files.keys.sorted().map { "\(Self.sha(files[$0] ?? []))  \($0)\n" }.joined().utf8)
        let bundle = try ReleaseBundle(entries: files.keys.sorted().map { .init(path: $0, kind: .file, contents: files[$0] ?? []) }, sha256: Self.sha)
        if pull {
            for container in lock.containers { images.add(container.pinnedReference ?? "") }
        }
        return bundle
    }

    /// Installs `version` (OS `os`, in `slot` when given).
    @discardableResult
    func install(_ version: String, os: String? = nil, slot: Slot? = nil, services: Int = 2, unchanged: Int = 0,
                 checks: [HealthCheckFile.Entry]? = nil) throws -> Rollback.InstallResult {
        let bundle = try bundle(version, services: services, unchanged: unchanged, checks: checks)
        return try rollback.install(bundle, from: "edge-test-\(version).tar.gz", osSlot: slot, osVersion: os)
    }

    func record(_ version: String) throws -> ReleaseRecord { try rollback.store.record(version) }
    func selection() throws -> BootSelection { try rollback.store.bootSelection().1 }
    func pointer(_ name: String) throws -> String? { try rollback.store.pointer(paths.state + "/" + name) }
}

/// A release manager for the engine's world: a root of trust (baked into the world's image),
/// and signatures written where `install` looks for them (beside the bundle's path, on the
/// real disk: a signature is an operator's input, read where it lies).
struct EngineSigner {
    let root: Ed25519Signer
    let release: Ed25519Signer
    let directory: String
    let crypto = OpenSSLTrustCrypto()

    init() throws {
        root = Ed25519Signer(try Ed25519PrivateKey.generate())
        release = Ed25519Signer(try Ed25519PrivateKey.generate())
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("edge-engine-signer-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// The root, in the world's image.
    func bake(into world: EngineWorld) throws {
        let draft = RootDraft(version: 1, expires: world.clock.now().addingTimeInterval(365 * 86_400), rootKeys: [root.key], rootThreshold: 1,
                              releaseKeys: [release.key], releaseThreshold: 1)
        try world.files.makeDirectory(Path.parent(world.paths.bakedRoot), mode: 0o755)
        try world.files.write(try draft.signed(by: [root]), to: world.paths.bakedRoot, mode: 0o644)
    }

    /// Signs `bundle` and returns the path `install` is given (its `.sig` beside it).
    func sign(_ bundle: ReleaseBundle, now: Date, counter: UInt64? = nil) throws -> String {
        let parts = bundle.version.split(separator: ".").compactMap { UInt64($0) }
        let statement = ReleaseStatement(image: bundle.manifest.image, version: bundle.version,
                                         releaseCounter: counter ?? (parts[0] * 100_000_000 + parts[1] * 1_000_000 + parts[2]),
                                         issuedAt: now.addingTimeInterval(-60), expires: now.addingTimeInterval(90 * 86_400), hardware: [RollbackContext.machinePlatform()],
                                         files: bundle.files.mapValues { crypto.sha256Hex($0) }, osImage: nil, parents: [])
        let path = "\(directory)/edge-test-\(bundle.version).tar.gz"
        try Data(try Envelope.signing(statement.payload(), type: ReleaseStatement.payloadType, by: [release]).encoded())
            .write(to: URL(fileURLWithPath: path + ".sig"))
        return path
    }
}
