import Basics
import FoundationEssentials
import HostIO

/// What `apply` has made durable, in `<root>/var/lib/edge-provision/journal.json`. A step is
/// recorded only after its effect is on disk (written, fsynced, renamed, directory fsynced).
struct Journal: Codable, Equatable {
    static let directory = "/var/lib/edge-provision"

    struct Step: Codable, Equatable {
        /// sha256 of what was written (or the link target, or "removed").
        var digest: String
        var at: String
    }

    struct Registration: Codable, Equatable {
        enum State: String, Codable, CustomStringConvertible {
            /// Not yet registered: retried on the next run.
            case pending
            case registered
            /// Refused by the dashboard: the spec or the claim token must change.
            case failed
            var description: String { rawValue }
        }

        var state: State
        var attempts: Int
        var lastError: String?
        var at: String?

        enum CodingKeys: String, CodingKey { case state, attempts, lastError = "last_error", at }
    }

    var specSHA256: String
    var steps: [String: Step]
    var configured: Bool
    var registration: Registration

    enum CodingKeys: String, CodingKey { case specSHA256 = "spec_sha256", steps, configured, registration }

    static func path(root: String) -> String { root + directory + "/journal.json" }

    static func load(root: String) -> Journal? {
        guard let data = FileManager.default.contents(atPath: path(root: root)) else { return nil }
        return try? JSONDecoder().decode(Journal.self, from: data)
    }

    func save(root: String) throws(HostIOError) {
        try AtomicFile.write(CanonicalJSON.encode(self), to: Self.path(root: root), mode: 0o600)
    }
}
