import Basics
import Dispatch
import Fleet
import FleetAgent
import FoundationEssentials
import HTTPCore
import Hashing
import HostIO
import Release
import ReleaseArchive

/// The agent's `BoxControl` on a real box: the box tools themselves. What runs is `rollback
/// status`; a release is fetched, checked against its published sha256, and taken with
/// `rollback install` (which verifies its signature when the box has a root of trust),
/// `rollback activate` and `rollback check --auto-commit` (which goes back by itself when the
/// health checks fail in the trial window); a site configuration goes through `provision
/// apply`. The last automatic rollback is kept in the agent's state file, so a restart of the
/// agent still reports it.
final class BoxTools: BoxControl, @unchecked Sendable {
    let config: AgentConfig
    let transport: any HTTPTransport
    let runner: ProcessRunner
    let clock: any WallClock
    private let lock = Lock()

    init(config: AgentConfig, transport: any HTTPTransport, environment: [String: String], clock: any WallClock) {
        self.config = config
        self.transport = transport
        self.runner = ProcessRunner(environment: environment)
        self.clock = clock
    }

    var rootArguments: [String] { config.root == "/" ? [] : ["--root", config.root] }
    var work: String { config.onBox(config.workDirectory) }
    var stateFile: String { work + "/state.json" }

    struct AgentState: Codable {
        var lastRollback: DeviceReport.RollbackNote?
        enum CodingKeys: String, CodingKey { case lastRollback = "last_rollback" }
    }

    var lastRollback: DeviceReport.RollbackNote? {
        guard case .bytes(let bytes) = BoundedFile.read(stateFile, limit: 64 << 10) else { return nil }
        return (try? StrictJSON.decode(AgentState.self, from: bytes, file: stateFile))?.lastRollback
    }

    func remember(_ note: DeviceReport.RollbackNote) {
        try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try? AtomicFile.write(CanonicalJSON.encode(AgentState(lastRollback: note)), to: stateFile, mode: 0o600)
    }

    /// A box tool, on a Dispatch thread (never blocking Swift's cooperative pool); `extra`
    /// adds to its environment.
    func run(_ tool: String, _ arguments: [String], timeout: TimeInterval = 1_800, extra: [String: String] = [:]) async -> (status: Int32, stdout: String, stderr: String) {
        var configured = self.runner
        configured.environment.merge(extra) { _, new in new }
        let runner = configured
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                if let result = try? runner.run(tool, arguments, timeout: timeout) {
                    continuation.resume(returning: (result.timedOut ? 124 : result.status, result.stdout, result.stderr))
                } else {
                    continuation.resume(returning: (127, "", "\(tool) could not be started"))
                }
            }
        }
    }

    struct Status: Decodable {
        struct Summary: Decodable {
            var version: String
            var health: String
            var osSlot: String
            var osVersion: String
            var lastCheck: Check?
            enum CodingKeys: String, CodingKey { case version, health, osSlot = "os_slot", osVersion = "os_version", lastCheck = "last_check" }
        }
        struct Check: Decodable { var passed: Bool }
        var current: Summary?
    }

    func status() async -> Status? {
        let result = await run(config.rollback, ["status", "--json"] + rootArguments, timeout: 120)
        return try? JSONDecoder().decode(Status.self, from: Data(result.stdout.utf8))
    }

    func snapshot() async -> BoxSnapshot {
        let status = await status()
        guard let current = status?.current, let version = FleetVersion(current.version) else {
            return BoxSnapshot(release: FleetVersion("0001.01.1")!, slot: "?", health: .unknown, lastRollback: lastRollback)
        }
        let health: DeviceReport.Health
        switch current.health {
        case "good": health = current.lastCheck?.passed == false ? .failing : .ok
        case "trial": health = current.lastCheck.map { $0.passed ? .ok : .failing } ?? .unknown
        case "bad": health = .failing
        default: health = .unknown
        }
        return BoxSnapshot(release: version, slot: current.osSlot, health: health, lastRollback: lastRollback)
    }

    func update(to entry: ReleaseEntry) async -> UpdateOutcome {
        let before = await snapshot().release
        // A fleet release carries containers; it runs on the OS the box runs now (OS images
        // come with the image rebuild).
        let osVersion = await status()?.current?.osVersion
        let installed = await run(config.rollback, ["list", "--json"] + rootArguments, timeout: 120)
        if !installed.stdout.contains("\"\(entry.version.text)\"") {
            let bundle: String
            switch await fetch(entry) {
            case .fetched(let path): bundle = path
            case .not(let outcome): return outcome
            }
            var arguments = ["install", bundle, "--json"] + rootArguments + (osVersion.map { ["--os-version", $0] } ?? [])
            if entry.signature != nil { arguments += ["--signature", bundle + ".sig"] }
            let install = await run(config.rollback, arguments)
            switch install.status {
            case 0: break
            case 75: return .later(reason: "rollback install: another rollback is running")
            default: return .refused(reason: "rollback install exited \(install.status): \(Self.firstLine(install.stderr))")
            }
        }
        if let pulled = await pullImages(of: entry) { return pulled }
        let activate = await run(config.rollback, ["activate", entry.version.text, "--json"] + rootArguments)
        switch activate.status {
        case 0: break
        case 75: return .later(reason: "rollback activate: a reboot is pending or another rollback is running")
        default: return .refused(reason: "rollback activate exited \(activate.status): \(Self.firstLine(activate.stderr))")
        }
        let check = await run(config.rollback, ["check", "--auto-commit", "--json"] + rootArguments)
        switch check.status {
        case 4, 2:
            let reason = Self.firstLine(check.stderr).isEmpty ? "health checks failed in the trial window" : Self.firstLine(check.stderr)
            remember(.init(from: entry.version, to: before, reason: reason, at: Int64(clock.now().timeIntervalSince1970.rounded(.down))))
            return .rolledBack(reason: reason)
        case 75:
            return .later(reason: "a reboot into the release's slot is pending")
        default:
            // 0 passed; 1 failed outside the trial window: it runs, and its status says failing.
            return .running
        }
    }

    enum Fetch {
        case fetched(String)
        case not(UpdateOutcome)
    }

    /// The bundle on local disk, its sha256 the published one, its signature beside it.
    /// The bundle's file name: the last part of its published location.
    static func bundleName(_ entry: ReleaseEntry) -> String { entry.bundle?.split(separator: "?").first?.split(separator: "/").last.map(String.init) ?? "" }

    func fetch(_ entry: ReleaseEntry) async -> Fetch {
        guard let text = entry.bundle else { return .not((.refused(reason: "the release names no bundle location"))) }
        let location: BundleLocation
        do throws(FleetError) {
            location = try BundleLocation.parse(text, version: entry.version, allowPlainHTTP: config.allowPlainHTTP)
        } catch {
            return .not((.refused(reason: error.description)))
        }
        let name = Self.bundleName(entry)
        var bytes: [UInt8]
        switch location {
        case .https(let url), .plainHTTP(let url):
            guard let response = try? await transport.send(HTTPRequest(method: .get, url: url, timeout: .seconds(300))) else {
                return .not((.later(reason: "the bundle could not be fetched from \(URLRedaction.redacted(text))")))
            }
            guard response.status == 200 else { return .not((.later(reason: "fetching the bundle answered HTTP \(response.status)"))) }
            bytes = response.body
        case .path(let path):
            guard case .bytes(let read) = BoundedFile.read(path, limit: 1 << 30) else {
                return .not((.later(reason: "the bundle \(path.printable) cannot be read")))
            }
            bytes = read
        }
        guard let digest = try? Hash.hex(bytes), digest == entry.bundleSHA256 else {
            return .not((.refused(reason: "the fetched bundle's sha256 is not the published one")))
        }
        let directory = work + "/bundles"
        let path = directory + "/" + name
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try AtomicFile.write(bytes, to: path, mode: 0o600)
            if let signature = entry.signature {
                guard let envelope = Data(base64Encoded: signature) else { return .not((.refused(reason: "the published signature is not base64"))) }
                try AtomicFile.write(Array(envelope), to: path + ".sig", mode: 0o600)
            }
        } catch {
            return .not((.later(reason: "the bundle could not be written under \(directory): \(error)")))
        }
        return .fetched(path)
    }

    func applySiteConfig(_ bytes: [UInt8]) async -> SiteConfigOutcome {
        let path = work + "/site_spec.json"
        do {
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try AtomicFile.write(bytes, to: path, mode: 0o600)
        } catch {
            return .refused(reason: "the site configuration could not be written: \(error)")
        }
        let apply = await run(config.provision, ["apply", path, "--skip-registration"] + rootArguments)
        guard apply.status == 0 else { return .refused(reason: "provision apply exited \(apply.status): \(Self.firstLine(apply.stderr))") }
        return .applied(restarted: Self.restarted(apply.stdout))
    }

    /// What provision brought into effect, from its report: "provision: network reloaded",
    /// "provision: restarted chrony.service" (only what the changed files concern).
    static func restarted(_ output: String) -> [String] {
        output.split(separator: "\n").compactMap { line -> String? in
            if line == "provision: network reloaded" { return "network" }
            guard line.hasPrefix("provision: restarted ") else { return nil }
            return String(line.dropFirst("provision: restarted ".count))
        }
    }

    // MARK: images and registry logins

    /// docker's configuration directory for the device's own registry logins (owner-only).
    var dockerConfig: String { work + "/docker" }

    /// The box's own zoneinfo (under its root), read once per zone.
    var zoneInfo: ZoneInfoDirectory { lock.withLock { zones ?? { let made = ZoneInfoDirectory(path: config.onBox("/usr/share/zoneinfo")); zones = made; return made }() } }
    private var zones: ZoneInfoDirectory?

    func zoneRules(_ name: String) -> ZoneRules? { zoneInfo.rules(name) }

    func useRegistryLogins(_ logins: RegistryLogins?) async {
        let path = dockerConfig + "/config.json"
        guard let logins, !logins.logins.isEmpty else {
            try? FileManager.default.removeItem(atPath: path)
            return
        }
        struct Auth: Encodable { var auth: String }
        struct DockerConfig: Encodable { var auths: [String: Auth] }
        var auths: [String: Auth] = [:]
        for login in logins.logins {
            auths[login.registry] = Auth(auth: Data("\(login.username):\(login.password)".utf8).base64EncodedString())
        }
        do {
            try AtomicFile.makeDirectory(work, mode: 0o700)
            try AtomicFile.makeDirectory(dockerConfig, mode: 0o700)
            try AtomicFile.write(CanonicalJSON.encode(DockerConfig(auths: auths)), to: path, mode: 0o600)
        } catch {
            // The next release's pull says what is missing; the error names no secret.
            StandardStreams.error("edge-fleet-agent: the registry logins could not be written: \(error)\n")
        }
    }

    /// Pulls, by digest, every image of the release that the box does not have yet, with the
    /// device's own registry logins (`rollback activate` switches only to images already in the
    /// store). A pull that fails is tried again at the next poll.
    func pullImages(of entry: ReleaseEntry) async -> UpdateOutcome? {
        let bundle = work + "/bundles/" + Self.bundleName(entry)
        // Only a release fetched now has a bundle here; one installed before has its images.
        guard FileManager.default.fileExists(atPath: bundle) else { return nil }
        let release: ReleaseBundle
        do { release = try BundleArchive.read(bundle) } catch {
            return .refused(reason: "the bundle's image list cannot be read: \(error)")
        }
        let extra = FileManager.default.fileExists(atPath: dockerConfig + "/config.json") ? ["DOCKER_CONFIG": dockerConfig] : [:]
        for container in release.lock.containers {
            guard let reference = container.pinnedReference else { continue }
            if await run("docker", ["image", "inspect", reference], timeout: 120).status == 0 { continue }
            var arguments = ["pull"]
            if !container.platform.isEmpty { arguments += ["--platform", container.platform] }
            let pull = await run("docker", arguments + [reference], timeout: 1_800, extra: extra)
            guard pull.status == 0 else {
                return .later(reason: "docker pull \(reference) exited \(pull.status): \(Self.firstLine(pull.stderr))")
            }
        }
        return nil
    }

    static func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n").first ?? "").printableText(limit: 300)
    }
}
