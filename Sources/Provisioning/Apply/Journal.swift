import Basics
import FoundationEssentials
import HostIO

/// What `apply` has made durable, in `<root>/var/lib/edge-provision/journal.json`. A step is
/// recorded only after its effect is on disk (written, fsynced, renamed, directory fsynced).
package struct Journal: Codable, Equatable, Sendable {
    package static let directory = "/var/lib/edge-provision"

    package struct Step: Codable, Equatable, Sendable {
        /// sha256 of what was written (or the link target, or "removed").
        package var digest: String
        package var at: String
    }

    package struct Registration: Codable, Equatable, Sendable {
        package enum State: String, Codable, CustomStringConvertible, Sendable {
            /// Not yet registered: retried on the next run.
            case pending
            case registered
            /// Refused by the dashboard: the spec or the claim token must change.
            case failed
            package var description: String { rawValue }
        }

        package var state: State
        package var attempts: Int
        package var lastError: String?
        package var at: String?

        package init(state: State, attempts: Int, lastError: String? = nil, at: String? = nil) {
            self.state = state
            self.attempts = attempts
            self.lastError = lastError
            self.at = at
        }

        enum CodingKeys: String, CodingKey { case state, attempts, lastError = "last_error", at }
    }

    package var specSHA256: String
    package var steps: [String: Step]
    package var configured: Bool
    package var registration: Registration
    /// Directories provision made (recorded before each is made), box paths: removed again
    /// when a later spec needs none of them and they are empty.
    package var createdDirectories: [String]?

    package init(specSHA256: String, steps: [String: Step], configured: Bool, registration: Registration, createdDirectories: [String]? = nil) {
        self.specSHA256 = specSHA256
        self.steps = steps
        self.configured = configured
        self.registration = registration
        self.createdDirectories = createdDirectories
    }

    /// A box that has done nothing yet.
    package static let empty = Journal(specSHA256: "", steps: [:], configured: false, registration: .init(state: .pending, attempts: 0))

    enum CodingKeys: String, CodingKey { case specSHA256 = "spec_sha256", steps, configured, registration, createdDirectories = "created_directories" }

    package static func path(root: String) -> String { root + directory + "/journal.json" }

    /// The journal under the context's root; nil when there is none (or it cannot be read,
    /// which a run treats as a fresh start: every step is re-checked against the disk).
    package static func load(_ context: ProvisionContext) -> Journal? {
        guard let data = context.files.contents(path(root: context.root)), data.count <= 4 << 20,
              let journal = try? JSONDecoder().decode(Journal.self, from: Data(data)) else { return nil }
        // Read back as possibly hostile: every path it names must be a plain absolute box path
        // (it is joined to the root and written or removed); a journal that names others is
        // not used (every step is re-checked against the disk instead).
        let paths = Array(journal.steps.keys) + (journal.createdDirectories ?? [])
        guard paths.allSatisfy(isBoxPath) else { return nil }
        return journal
    }

    /// `/a/b`: absolute, no empty, `.` or `..` components, no control characters.
    static func isBoxPath(_ path: String) -> Bool {
        path.hasPrefix("/") && path.count > 1 && !path.hasControlCharacters
            && path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    package func save(_ context: ProvisionContext) throws(HostIOError) {
        try context.files.write(CanonicalJSON.encode(self), to: Self.path(root: context.root), mode: 0o600)
    }
}
