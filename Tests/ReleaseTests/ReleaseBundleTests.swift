import Foundation
import Hashing
import Lock
import Release
import Testing

/// The pure bundle checks, on entries as the archive adapter reports them.
@Suite struct ReleaseBundleTests {
    static func sha(_ bytes: [UInt8]) -> String { (try? Hash.hex(bytes)) ?? "" }

    /// A well-formed bundle's entries, under `prefix/`.
    static func entries(prefix: String = "edge-test-2026.11.1/", mutate: (inout [String: [UInt8]]) -> Void = { _ in }) -> [ReleaseBundle.Entry] {
        let lock = LockFile(image: .init(name: "edge-test", version: "2026.11.1"), definitionSHA256: String(repeating: "0", count: 64), containers: [])
        let lockBytes = lock.encoded()
        var files: [String: [UInt8]] = [
            "edge-test.lock.json": lockBytes,
            "compose.yml": Array("services: {}\n".utf8),
            "docker-compose.pinned.yml": Array("services: {}\n".utf8),
            "health-checks.json": Array(#"{"schema_version": 1, "image": "edge-test", "version": "2026.11.1", "checks": []}"#.utf8),
        ]
        let manifest: [String: Any] = ["schema_version": 1, "image": "edge-test", "version": "2026.11.1", "lock_sha256": sha(lockBytes),
                                       "files": (Array(files.keys) + ["release.json"]).sorted(), "compose_project": "edge"]
        files["release.json"] = Array((try? JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys])) ?? Data())
        files["SHA256SUMS"] = Array(files.keys.sorted().map { "\(sha(files[$0] ?? []))  \($0)\n" }.joined().utf8)
        mutate(&files)
        return [ReleaseBundle.Entry(path: prefix.isEmpty ? "./" : prefix, kind: .directory, contents: [])]
            + files.keys.sorted().map { ReleaseBundle.Entry(path: prefix + $0, kind: .file, contents: files[$0] ?? []) }
    }

    @Test func aWellFormedBundleIsAccepted() throws {
        let bundle = try ReleaseBundle(entries: Self.entries(), sha256: Self.sha)
        #expect(bundle.version == "2026.11.1" && bundle.manifest.project == "edge" && bundle.files.count == 6)
        let flat = try ReleaseBundle(entries: Self.entries(prefix: ""), sha256: Self.sha)
        #expect(flat.files.keys.sorted() == bundle.files.keys.sorted())
    }

    @Test(arguments: [
        ("../evil", ReleaseBundle.Entry.Kind.file, "climbs out"),
        ("a/../../evil", .file, "climbs out"),
        ("/etc/cron.d/evil", .file, "absolute path"),
        ("b/.hidden", .file, "hidden names"),
        ("b/x\u{1}y", .file, "control characters"),
        ("b/link", .symlink(target: "/etc/passwd"), "symbolic link"),
        ("b/hard", .hardlink(target: "/etc/shadow"), "hard link"),
        ("b/dev", .other, "device"),
    ])
    func unsafeEntriesAreRefused(path: String, kind: ReleaseBundle.Entry.Kind, message: String) {
        let entries = Self.entries(prefix: "b/") + [ReleaseBundle.Entry(path: path, kind: kind, contents: [])]
        #expect { try ReleaseBundle(entries: entries, sha256: Self.sha) } throws: { error in
            guard let error = error as? ReleaseError, case .unsafeEntry = error else { return false }
            return error.description.contains(message)
        }
    }

    @Test func contentProblemsAreNamed() {
        let cases: [(String, (inout [String: [UInt8]]) -> Void)] = [
            ("compose.yml has sha256", { $0["compose.yml"] = Array("services: {x: {}}\n".utf8) }),
            ("lacks health-checks.json", { files in
                files["health-checks.json"] = nil
                files["SHA256SUMS"] = Array(String(decoding: files["SHA256SUMS"] ?? [], as: UTF8.self).split(separator: "\n")
                    .filter { !$0.hasSuffix("health-checks.json") }.map { $0 + "\n" }.joined().utf8)
            }),
            ("SHA256SUMS line 1", { $0["SHA256SUMS"] = Array("nonsense\n".utf8) }),
        ]
        for (message, mutate) in cases {
            #expect { try ReleaseBundle(entries: Self.entries(mutate: mutate), sha256: Self.sha) } throws: { error in
                (error as? ReleaseError)?.description.contains(message) == true
            }
        }
    }
}
