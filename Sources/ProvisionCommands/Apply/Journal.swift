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
        /// pending | registered | failed
        var state: String
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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        try AtomicFile.write(Array(data) + [0x0a], to: Self.path(root: root), mode: 0o600)
    }
}
