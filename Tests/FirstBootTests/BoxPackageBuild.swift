import Foundation
import TestSupport

/// The real box package, built by `scripts/package --box-only` once per test process (a
/// release build with the Swift runtime linked in; incremental after the first run, in its
/// own scratch directory so it never waits on the debug build's lock).
actor BoxPackageBuild {
    static let shared = BoxPackageBuild()
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static var scratch: String { repository.appendingPathComponent(".build-package").path }

    private var task: Task<String, any Error>?

    /// The path of `edge-imagesmith-box_<version>_amd64.deb`.
    func path() async throws -> String {
        if let task { return try await task.value }
        let task = Task<String, any Error> {
            let out = "\(Self.scratch)/debs"
            let started = Date()
            let stdout = try await Shell.check(Self.repository.appendingPathComponent("scripts/package").path,
                                               ["--box-only", "--out", out, "--scratch-path", Self.scratch], timeout: 1800)
            guard let deb = stdout.split(separator: "\n").last.map(String.init), deb.hasSuffix(".deb"),
                  FileManager.default.fileExists(atPath: deb) else {
                throw FixtureError("scripts/package printed no package path:\n\(stdout)")
            }
            print("box package: \(deb) built in \(Int(Date().timeIntervalSince(started))) s")
            return deb
        }
        self.task = task
        return try await task.value
    }
}
