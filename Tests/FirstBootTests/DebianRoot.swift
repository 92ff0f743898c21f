import Foundation
import Hashing
import TestSupport

/// A Debian 12 root file system built from Debian's packages with mmdebstrap (minbase plus
/// systemd, udev, netplan.io, chrony, iproute2), cached as a tar keyed by everything that
/// shapes it, so a test run builds it at most once and later runs reuse it. The package
/// lists are kept, so `apt-get install ./box.deb` in a copy resolves the box package's
/// dependencies from Debian's repositories, as the image build does.
enum DebianRoot {
    static let suite = "bookworm"
    static let packages = ["systemd", "systemd-sysv", "udev", "dbus", "netplan.io", "chrony", "iproute2", "tzdata"]
    static var arguments: [String] {
        ["--variant=minbase", "--include=\(packages.joined(separator: ","))", "--skip=cleanup/apt/lists", suite]
    }
    static var cacheDirectory: String { BoxPackageBuild.repository.appendingPathComponent(".build-cache/roots").path }

    /// The cached tar, built now if it is missing.
    static func tarball() async throws -> String {
        let version = try await Shell.check("mmdebstrap", ["--version"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let key = try Hash.hex(Array((arguments + [version, "1"]).joined(separator: "\n").utf8)).prefix(16)
        let tar = "\(cacheDirectory)/debian-\(suite)-\(key).tar"
        if FileManager.default.fileExists(atPath: tar) { return tar }
        try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        // One builder at a time across processes; the others wait and then find the tar. (The
        // partial file's name must end in .tar: mmdebstrap picks its output format by it.)
        let started = Date()
        try await Shell.check("flock", ["\(tar).lock", "sh", "-c",
                                        #"tar=$1; partial=$2; shift 2; test -e "$tar" || { mmdebstrap --quiet "$@" "$partial" && mv "$partial" "$tar"; }"#,
                                        "sh", tar, "\(tar.dropLast(4)).partial-\(getpid()).tar"] + arguments, timeout: 1200)
        print("debian root: \(tar) ready after \(Int(Date().timeIntervalSince(started))) s")
        guard FileManager.default.fileExists(atPath: tar) else { throw FixtureError("mmdebstrap made no \(tar)") }
        return tar
    }
}
