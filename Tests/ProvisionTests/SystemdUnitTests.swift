import Foundation
import Testing
import TestSupport

/// The first-boot units, checked by `systemd-analyze verify`. It only warns (exit 0) on typos
/// and bad values, so stderr must be empty too. The binaries the units name are put in place
/// under a temporary root, which systemd-analyze reads with --root.
@Suite struct SystemdUnitTests {
    static let templates = ProvisionCommandLineTests.specs.deletingLastPathComponent().appendingPathComponent("templates")

    @Test(arguments: ["edge-provision.service", "edge-provision-register.service", "edge-ssh-host-keys.service", "edge-compose.service",
                      "edge-rollback-check.service", "edge-rollback-check.timer", "edge-fleet-agent.service"])
    func unitVerifiesCleanly(name: String) async throws {
        let root = try TemporaryDirectory("units")
        for binary in ["usr/libexec/edge-imagesmith/edge-box", "usr/bin/provision", "usr/bin/rollback", "usr/sbin/netplan", "usr/bin/docker", "usr/bin/ssh-keygen"] {
            try root.write(binary, "#!/bin/sh\n", mode: 0o755)
        }
        // The system's own units (targets, networkd, docker if present) come from the host.
        try await Self.copySystemUnits(into: root)
        if !FileManager.default.fileExists(atPath: root.file("usr/lib/systemd/system/docker.service")) {
            // docker-ce installs docker.service in the image; no Docker engine is installed here.
            try root.write("etc/systemd/system/docker.service", "[Unit]\nDescription=Stand-in for docker-ce's unit (no Docker engine on this machine)\n\n[Service]\nExecStart=/usr/bin/docker\n")
        }
        if name.hasSuffix(".timer") {
            let service = name.replacingOccurrences(of: ".timer", with: ".service")
            try root.write("etc/systemd/system/\(service)", try String(contentsOf: Self.templates.appendingPathComponent(service), encoding: .utf8))
        }
        let unit = try root.write("etc/systemd/system/\(name)", try String(contentsOf: Self.templates.appendingPathComponent(name), encoding: .utf8))
        let result = try await ProcessSupport.runDetached("systemd-analyze", ["verify", "--man=no", "--root", root.path, unit],
                                            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "SYSTEMD_LOG_LEVEL": "warning"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "systemd-analyze verify:\n\(result.stderr)")
    }

    /// A copy of the host's unit directory (its links are absolute, so it cannot just be
    /// linked in), with lib -> usr/lib as on a merged-/usr system.
    static func copySystemUnits(into root: TemporaryDirectory) async throws {
        try FileManager.default.createDirectory(atPath: root.file("usr/lib/systemd"), withIntermediateDirectories: true)
        try await ProcessSupport.checkDetached("cp", ["-a", "/usr/lib/systemd/system", root.file("usr/lib/systemd/")])
        try FileManager.default.createSymbolicLink(atPath: root.file("lib"), withDestinationPath: "usr/lib")
    }

    @Test func aTypoIsCaught() async throws {
        let root = try TemporaryDirectory("units-typo")
        try root.write("usr/bin/provision", "#!/bin/sh\n", mode: 0o755)
        try await Self.copySystemUnits(into: root)
        let unit = try root.write("etc/systemd/system/typo.service", "[Unit]\nDescription=x\n[Service]\nType=oneshot\nExecStart=/usr/bin/provision\nRemainAfterExitt=yes\n")
        let result = try await ProcessSupport.runDetached("systemd-analyze", ["verify", "--man=no", "--root", root.path, unit])
        #expect(result.stderr.contains("RemainAfterExitt"), "the check this suite relies on does see typos: \(result.stderr)")
    }

    /// `systemd-analyze security` (0 = locked down, 10 = unprotected) for each unit as shipped,
    /// against the ceiling it reached when it was sandboxed (9.5-9.6 "UNSAFE" before): a change
    /// that loosens a unit fails here. The sandboxes are proven to work by FirstBootTests,
    /// which boot the units under a real systemd.
    static let exposureCeilings: [(String, Double)] = [
        ("edge-provision.service", 1.9),
        ("edge-provision-register.service", 1.8),
        ("edge-ssh-host-keys.service", 0.7),
        ("edge-compose.service", 1.1),
        ("edge-rollback-check.service", 2.0),
        // Runs rollback and provision, so it may write what both write, as root, and set the
        // host name; reaches the network (3.9 before its capabilities, home directories and
        // mounts were taken away).
        ("edge-fleet-agent.service", 2.2),
    ]

    @Test(arguments: exposureCeilings)
    func unitExposureStaysAtItsCeiling(name: String, ceiling: Double) async throws {
        let directory = try TemporaryDirectory("security")
        let unit = try directory.write(name, try String(contentsOf: Self.templates.appendingPathComponent(name), encoding: .utf8))
        let result = try await ProcessSupport.runDetached("systemd-analyze", ["security", "--offline=true", "--no-pager", unit],
                                                          environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "SYSTEMD_COLORS": "0"])
        let line = try #require((result.stdout + result.stderr).split(separator: "\n").first { $0.contains("Overall exposure level for \(name):") },
                                "no overall score in:\n\(result.stdout)\(result.stderr)")
        // "→ Overall exposure level for NAME: 1.8 OK :-)" (the face has a colon too).
        let after = line.split(separator: "\(name):", maxSplits: 1).last ?? ""
        let score = try #require(Double(String(after.drop { $0 == " " }.prefix { $0.isNumber || $0 == "." })), "cannot read a score in '\(line)'")
        print("exposure \(name): \(score) (ceiling \(ceiling))")
        #expect(score <= ceiling, "\(line)")
    }

    @Test func theScoreCanFail() async throws {
        // The same measurement on a unit with no sandbox at all scores far above every ceiling.
        let directory = try TemporaryDirectory("security-open")
        let unit = try directory.write("open.service", "[Unit]\nDescription=x\n[Service]\nType=oneshot\nExecStart=/usr/bin/true\n")
        let result = try await ProcessSupport.runDetached("systemd-analyze", ["security", "--offline=true", "--no-pager", unit],
                                                          environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "SYSTEMD_COLORS": "0"])
        #expect((result.stdout + result.stderr).contains("Overall exposure level for open.service: 9."), "\(result.stdout)")
    }
}
