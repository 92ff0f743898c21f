import Foundation
import TestSupport

/// The real packages, built by `scripts/package` once per test process (release builds with
/// the Swift runtime linked in; incremental after the first run, in their own scratch
/// directory so they never wait on the debug build's lock).
actor BoxPackageBuild {
    static let shared = BoxPackageBuild()
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static var scratch: String { repository.appendingPathComponent(".build-package").path }

    struct Packages: Sendable {
        /// `edge-imagesmith-box_<version>_amd64.deb`
        var box: String
        /// `edge-imagesmith_<version>_amd64.deb` (the build host's)
        var host: String
    }

    private var task: Task<Packages, any Error>?

    /// The path of `edge-imagesmith-box_<version>_amd64.deb`.
    func path() async throws -> String { try await packages().box }

    func packages() async throws -> Packages {
        if let task { return try await task.value }
        let task = Task<Packages, any Error> {
            let out = "\(Self.scratch)/debs"
            let started = Date()
            let stdout = try await Shell.check(Self.repository.appendingPathComponent("scripts/package").path,
                                               ["--out", out, "--scratch-path", Self.scratch], timeout: 2400)
            let lines = stdout.split(separator: "\n").map(String.init)
            guard let box = lines.first(where: { $0.contains("/edge-imagesmith-box_") && $0.hasSuffix(".deb") }),
                  let host = lines.first(where: { $0.contains("/edge-imagesmith_") && $0.hasSuffix(".deb") }),
                  FileManager.default.fileExists(atPath: box), FileManager.default.fileExists(atPath: host) else {
                throw FixtureError("scripts/package printed no package paths:\n\(stdout)")
            }
            print("packages: \(box) and \(host) built in \(Int(Date().timeIntervalSince(started))) s")
            return Packages(box: box, host: host)
        }
        self.task = task
        return try await task.value
    }
}
