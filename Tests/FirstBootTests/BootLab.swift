import Foundation
import HostIO
import Synchronization
import TestSupport

/// One box for a boot test: a copy of a root file system, booted with systemd as PID 1 by
/// `systemd-nspawn --boot` inside a network namespace of its own. The box has two links named
/// as a site spec matches them, veth pairs whose other ends stay on this side: `uplink0`
/// (the host side gets 10.77.N.1/24, where the test's dashboard listens) and `cams0` (a camera
/// port with nothing behind it). A removable volume is an ext4 image on a loop device bound
/// into the box (this kernel has no vfat or iso9660; the VM lab checks those).
final class BootLab: @unchecked Sendable {
    let directory: TemporaryDirectory
    let id: Int
    var root: String { directory.file("root") }
    var namespace: String { "edgelab\(id)" }
    var machine: String { "edgebox\(id)" }
    var hostUplink: String { "eb\(id)u" }
    var hostCameras: String { "eb\(id)c" }
    var subnet: Int { 10 + id % 240 }
    var hostAddress: String { "10.77.\(subnet).1" }
    var boxAddress: String { "10.77.\(subnet).2" }
    private(set) var loopDevice: String?
    private var bootTask: Task<ProcessRunner.Result, any Error>?
    private(set) var bootLogs: [String] = []

    static let counter = Mutex(0)
    let created = Date()

    /// Progress on the test's output, so a slow or stuck step can be told from the rest.
    func log(_ message: String) {
        print("bootlab \(id) +\(String(format: "%.1f", Date().timeIntervalSince(created))) s: \(message)")
    }

    /// A fresh box from `tarball` (a root file system as tar).
    init(tarball: String) async throws {
        id = (Int(getpid()) % 90) * 100 + Self.counter.withLock { value in value += 1; return value } % 100
        directory = try TemporaryDirectory("bootlab")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try await Shell.check("tar", ["-C", root, "--numeric-owner", "-xpf", tarball], timeout: 300)
        try await Shell.check("ip", ["netns", "add", namespace])
        for (host, box) in [(hostUplink, "uplink0"), (hostCameras, "cams0")] {
            try await Shell.check("ip", ["link", "add", host, "type", "veth", "peer", "name", box, "netns", namespace])
            try await Shell.check("ip", ["link", "set", host, "up"])
        }
        try await Shell.check("ip", ["addr", "add", "\(hostAddress)/24", "dev", hostUplink])
    }

    /// Removes the namespace (and so both veth pairs) and the loop device.
    func tearDown() async {
        if let pid = try? containerInit() { kill(pid, SIGKILL) }
        if let bootTask {
            // nspawn exits once its container's PID 1 is gone.
            let result = try? await bootTask.value
            if let result { bootLogs.append(result.stdout + result.stderr) }
        }
        _ = try? await Shell.run("ip", ["netns", "del", namespace])
        for link in [hostUplink, hostCameras] { _ = try? await Shell.run("ip", ["link", "del", link]) }
        if let loopDevice { _ = try? await Shell.run("losetup", ["-d", loopDevice]) }
    }

    // MARK: The removable volume

    /// Makes an ext4 volume labelled `label` holding `files` (name → contents) and attaches it
    /// as a loop device; the next boot binds it into the box.
    func attachVolume(label: String, files: [String: String]) async throws {
        let content = directory.file("volume-content")
        for (name, text) in files { try directory.write("volume-content/\(name)", text, mode: 0o644) }
        let image = directory.file("volume.img")
        try await Shell.check("mkfs.ext4", ["-q", "-L", label, "-d", content, image, "8M"])
        loopDevice = try await Shell.check("losetup", ["-f", "--show", image]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: Booting

    /// nspawn refuses to start ("Attempted to remove disk file system") unless this is a tmpfs.
    static func prepareHost() async throws {
        try FileManager.default.createDirectory(atPath: "/run/systemd/nspawn", withIntermediateDirectories: true)
        if (try await Shell.run("mountpoint", ["-q", "/run/systemd/nspawn"])).status != 0 {
            try await Shell.check("mount", ["-t", "tmpfs", "tmpfs", "/run/systemd/nspawn"])
        }
    }

    /// Boots the box and waits until systemd says the boot is over (running or degraded).
    /// Returns that state.
    @discardableResult
    func boot(timeout: Double = 240) async throws -> String {
        try await Self.prepareHost()
        var arguments = ["--quiet", "--register=no", "--keep-unit", "--boot", "--directory", root, "--machine", machine,
                         "--network-namespace-path=/run/netns/\(namespace)", "--capability=CAP_NET_ADMIN", "--console=read-only"]
        if let loopDevice { arguments.append("--bind=\(loopDevice)") }
        let nspawnArguments = arguments
        let runner = ProcessRunner(environment: Shell.environment)
        let task = Task<ProcessRunner.Result, any Error>.detached {
            try await Shell.onThread { try runner.run("systemd-nspawn", nspawnArguments, timeout: 1200) }
        }
        bootTask = task
        log("booting")
        let started = Date()
        while (try? containerInit()) == nil {
            guard Date().timeIntervalSince(started) < 30 else { throw FixtureError("the box's systemd did not start within 30 s") }
            try await Task.sleep(for: .milliseconds(100))
        }
        log("systemd runs as pid \(try containerInit()) here")
        // Until the box's systemd has set up its private socket, systemctl cannot ask it.
        var state = ""
        var last = ""
        while true {
            guard (try? containerInit()) != nil else {
                // The box's systemd is gone: nspawn exited; say what it printed.
                let output = (try? await task.value).map { $0.stdout + $0.stderr } ?? "(no output)"
                throw FixtureError("the box's systemd exited during the boot; systemd-nspawn said:\n\(output.suffix(4000))")
            }
            let result = try await exec("systemctl is-system-running --wait", timeout: timeout)
            state = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            last = result.stderr
            // "offline" is what systemctl says while the box's manager cannot be reached yet
            // (seen once under load, right after systemd started): not an answer, ask again.
            if !state.isEmpty && state != "initializing" && state != "starting" && state != "offline" { break }
            guard Date().timeIntervalSince(started) < timeout else { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        log("boot finished: \(state.isEmpty ? last : state)")
        guard state == "running" || state == "degraded" else {
            let jobs = try await exec("systemctl list-jobs --no-legend; systemctl list-units --no-legend --no-pager --state=activating,failed; journalctl -b --no-pager -o short-monotonic | tail -40").stdout
            throw FixtureError("the box did not finish booting (state '\(state)'); jobs, units activating or failed, the journal's end:\n\(jobs)")
        }
        return state
    }

    /// Shuts the box down from inside and waits for nspawn to exit; keeps its console log.
    func powerOff() async throws {
        _ = try await exec("systemctl poweroff --no-block")
        guard let bootTask else { return }
        let result = try await bootTask.value
        log("powered off (nspawn exited \(result.status))")
        bootLogs.append(result.stdout + result.stderr)
        self.bootTask = nil
    }

    /// The box's PID 1 as this side sees it: the `systemd` whose root directory is the box's
    /// root (compared by device and inode: /proc/PID/root reads as "/" from outside).
    func containerInit() throws -> pid_t {
        var rootStatus = stat()
        guard stat(root, &rootStatus) == 0 else { throw FixtureError("no root at \(root)") }
        var found: [pid_t] = []
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = pid_t(entry),
                  let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8), comm == "systemd\n" else { continue }
            var status = stat()
            guard stat("/proc/\(pid)/root", &status) == 0, status.st_dev == rootStatus.st_dev, status.st_ino == rootStatus.st_ino else { continue }
            found.append(pid)
        }
        guard let first = found.min() else { throw FixtureError("no systemd runs in \(root)") }
        return first
    }

    /// Runs a shell command inside the running box (all its namespaces, its root), with a
    /// clean environment.
    func exec(_ script: String, timeout: Double = 120) async throws -> ProcessRunner.Result {
        let pid = try containerInit()
        return try await Shell.run("nsenter", ["--target", "\(pid)", "--all", "--", "/usr/bin/env", "-i",
                                               "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "SYSTEMD_COLORS=0", "SYSTEMD_PAGER=", "LC_ALL=C",
                                               "/bin/sh", "-c", script], timeout: timeout)
    }

    /// `exec`, requiring exit 0; returns stdout.
    @discardableResult
    func check(_ script: String, timeout: Double = 120) async throws -> String {
        let result = try await exec(script, timeout: timeout)
        guard result.status == 0 else { throw FixtureError("in the box: \(script)\nexit \(result.status)\n\(result.stdout)\n\(result.stderr)") }
        return result.stdout
    }

    /// `systemctl show` properties of a unit, as a dictionary.
    func unit(_ name: String, _ properties: [String]) async throws -> [String: String] {
        let text = try await check("systemctl show \(name) --property=\(properties.joined(separator: ","))")
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }

    /// Waits until a oneshot unit has had its say this boot: skipped by a condition, exited
    /// (and stayed active, for RemainAfterExit units), finished or failed. A unit waiting to be
    /// restarted is still waited for.
    func waitForUnit(_ name: String, timeout: Double = 120) async throws -> [String: String] {
        let started = Date()
        while true {
            let state = try await unit(name, ["ActiveState", "SubState", "Result", "ExecMainStatus", "ExecMainExitTimestampMonotonic",
                                              "ConditionResult", "ConditionTimestampMonotonic"])
            if state["ConditionTimestampMonotonic"] != "0" && state["ConditionResult"] == "no" { return state }
            if state["ActiveState"] == "active" && state["SubState"] == "exited" { return state }
            if state["ActiveState"] == "failed" { return state }
            if state["ActiveState"] == "inactive" && state["ExecMainExitTimestampMonotonic"] != "0" { return state }
            guard Date().timeIntervalSince(started) < timeout else {
                throw FixtureError("\(name) did not finish within \(Int(timeout)) s: \(state)\n\(try await exec("journalctl -b -u \(name) --no-pager -o cat").stdout)")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// The monotonic time (µs since the box booted) at which a unit entered a state.
    func monotonic(_ unit: String, _ property: String) async throws -> UInt64 {
        let value = try await self.unit(unit, [property])[property] ?? ""
        guard let number = UInt64(value) else { throw FixtureError("\(unit) has no \(property) (\(value))") }
        return number
    }
}
