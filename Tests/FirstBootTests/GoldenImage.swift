import Foundation
import TestSupport

/// The root of a golden image as the Packer template leaves it, made once per test process:
/// the Debian root (DebianRoot), given what a base image has (a host name, a netplan file
/// configuring DHCP, systemd-networkd enabled, the build machine's machine id), then the
/// template's own steps run in it for real, as the build VM runs them: `install-box.sh`
/// (apt-get installs the real box package and its libraries from Debian's repositories,
/// enables the first-boot units) and `cleanup.sh` (records the golden machine id, empties
/// /etc/machine-id, removes package lists and provisioning state).
actor GoldenImage {
    static let shared = GoldenImage()
    static let imageHostname = "edge-golden"
    static let imageNetplan = """
        # The base image's own network: DHCP on every uplink (as cloud images ship one).
        network:
          version: 2
          renderer: networkd
          ethernets:
            image-default:
              match: {name: "uplink*"}
              dhcp4: true

        """

    struct Prepared: Sendable {
        /// The prepared root, to read (tests boot copies of `tarball`, never this).
        var root: String
        var tarball: String
        var package: String
        var packageVersion: String
        var buildMachineID: String
        var installLog: String
        var cleanupLog: String
    }

    private var task: Task<Prepared, any Error>?
    private var keep: TemporaryDirectory?

    func prepared() async throws -> Prepared {
        if let task { return try await task.value }
        let directory = try TemporaryDirectory("golden")
        keep = directory
        let task = Task<Prepared, any Error> { try await Self.prepare(in: directory) }
        self.task = task
        return try await task.value
    }

    static func prepare(in directory: TemporaryDirectory) async throws -> Prepared {
        async let packageBuild = BoxPackageBuild.shared.path()
        async let baseRoot = DebianRoot.tarball()
        let (package, base) = try await (packageBuild, baseRoot)
        let started = Date()
        let root = directory.file("root")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try await Shell.check("tar", ["-C", root, "--numeric-owner", "-xpf", base], timeout: 300)

        // What the base image brings.
        try directory.write("root/etc/hostname", imageHostname + "\n", mode: 0o644)
        try directory.write("root/etc/netplan/01-image.yaml", imageNetplan, mode: 0o600)
        let buildMachineID = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        try directory.write("root/etc/machine-id", buildMachineID + "\n", mode: 0o444)
        try await Shell.check("systemctl", ["--root", root, "enable", "systemd-networkd.service"])

        // Staging as the template uploads it, to /tmp/imagesmith in the image (nspawn gives the
        // image a tmpfs on /tmp, as many VMs have, so the staging directory is bound there).
        let version = try await Shell.check("dpkg-deb", ["--field", package, "Version"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let fileName = "edge-imagesmith-box_\(version)_amd64.deb"
        let templates = Shell.repository.appendingPathComponent("templates")
        let staging = directory.file("staging")
        try FileManager.default.createDirectory(atPath: "\(staging)/scripts", withIntermediateDirectories: true)
        for script in ["install-box.sh", "cleanup.sh"] {
            try FileManager.default.copyItem(atPath: templates.appendingPathComponent(script).path, toPath: "\(staging)/scripts/\(script)")
        }
        try FileManager.default.copyItem(atPath: package, toPath: "\(staging)/\(fileName)")

        try await BootLab.prepareHost()
        let installLog = try await runInImage(root, staging: staging, ["/bin/sh", "-eu", "/tmp/imagesmith/scripts/install-box.sh"],
                                              environment: ["BOX_PACKAGE": fileName, "BOX_VERSION": version, "IMAGESMITH_STAGING": "/tmp/imagesmith"])
        // cleanup.sh removes the staging directory itself: it runs from a copy, unbound.
        try FileManager.default.copyItem(atPath: "\(staging)/scripts/cleanup.sh", toPath: "\(root)/root/edge-cleanup.sh")
        let cleanupLog = try await runInImage(root, staging: nil, ["/bin/sh", "-eu", "/root/edge-cleanup.sh"], environment: [:])
        try FileManager.default.removeItem(atPath: "\(root)/root/edge-cleanup.sh")

        let tarball = directory.file("golden.tar")
        try await Shell.check("tar", ["-C", root, "--numeric-owner", "-cpf", tarball, "."], timeout: 300)
        print("golden image: box package installed and image cleaned in \(Int(Date().timeIntervalSince(started))) s")
        return Prepared(root: root, tarball: tarball, package: package, packageVersion: version, buildMachineID: buildMachineID,
                        installLog: installLog, cleanupLog: cleanupLog)
    }

    /// Runs a build step inside the image root (its own /proc, /dev and root; the host's
    /// network, as a build VM reaches the package repositories).
    static func runInImage(_ root: String, staging: String?, _ command: [String], environment: [String: String]) async throws -> String {
        let setenv = environment.sorted { $0.key < $1.key }.map { "--setenv=\($0.key)=\($0.value)" }
        let bind = staging.map { ["--bind=\($0):/tmp/imagesmith"] } ?? []
        let result = try await Shell.run("systemd-nspawn", ["--quiet", "--register=no", "--keep-unit", "--directory", root,
                                                            "--machine", "edgegold\(getpid())", "--setenv=DEBIAN_FRONTEND=noninteractive"]
                                                           + bind + setenv + ["--"] + command, timeout: 900)
        guard result.status == 0 else {
            throw FixtureError("\(command.joined(separator: " ")) failed in the image (exit \(result.status)):\n\(result.stdout)\n\(result.stderr)")
        }
        return result.stdout + result.stderr
    }
}
