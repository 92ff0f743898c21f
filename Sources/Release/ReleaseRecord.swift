import Basics
import FoundationEssentials
import Lock

/// What the box knows about one installed release, beside its bundle
/// (`releases/<version>/state.json`).
public struct ReleaseRecord: Sendable, Equatable, Codable {
    public enum Health: String, Sendable, Codable {
        /// Installed, never activated.
        case installed
        /// Activated, not yet committed: a failed check inside the trial window rolls it back.
        case trial
        /// Committed: passed its checks.
        case good
        /// Rolled back from; not activated again without --force.
        case bad
    }

    public struct CheckResult: Sendable, Equatable, Codable {
        public var at: String
        public var passed: Bool
        public var failures: [String]

        public init(at: String, passed: Bool, failures: [String]) {
            self.at = at
            self.passed = passed
            self.failures = failures
        }
    }

    public var schemaVersion = 1
    public var version: String
    public var image: String
    /// The OS image version this release runs on, and the slot that holds it.
    public var osVersion: String
    public var osSlot: Slot
    /// sha256 of the bundle's SHA256SUMS: the release's identity.
    public var bundleSHA256: String
    public var installedAt: String
    public var activatedAt: String?
    public var committedAt: String?
    public var health: Health
    /// Unix time when the trial window closes.
    public var trialEndsAt: Int?
    public var badReason: String?
    public var lastCheck: CheckResult?

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", version, image, osVersion = "os_version", osSlot = "os_slot"
        case bundleSHA256 = "bundle_sha256", installedAt = "installed_at", activatedAt = "activated_at"
        case committedAt = "committed_at", health, trialEndsAt = "trial_ends_at", badReason = "bad_reason", lastCheck = "last_check"
    }

    public init(version: String, image: String, osVersion: String, osSlot: Slot, bundleSHA256: String, installedAt: String) {
        self.version = version
        self.image = image
        self.osVersion = osVersion
        self.osSlot = osSlot
        self.bundleSHA256 = bundleSHA256
        self.installedAt = installedAt
        self.health = .installed
    }

    public func encoded() -> [UInt8] { CanonicalJSON.encode(self) }

    public static func decode(_ bytes: [UInt8], path: String) throws(ReleaseError) -> ReleaseRecord {
        let record: ReleaseRecord
        do { record = try JSONDecoder().decode(ReleaseRecord.self, from: Data(bytes)) }
        catch { throw .invalidState("\(path) is not a valid release record: \(DecodingFailure.describe(error))") }
        for (pointer, value) in [("/version", record.version), ("/os_version", record.osVersion)] where ImageVersion(parsing: value) == nil {
            throw .invalidState("\(path) is not a valid release record: \(pointer): '\(value.printable)' is not a version YYYY.MM.N")
        }
        return record
    }
}

/// The one pending multi-step operation (`journal.json`). Written, durably, before the first
/// step; every step is idempotent and derived from it alone; removed, durably, after the last.
/// A killed `rollback` finds it on the next run and finishes exactly this operation.
public struct RollbackJournal: Sendable, Equatable, Codable {
    public enum Operation: String, Sendable, Codable { case activate, rollback }

    public var operation: Operation
    /// The current release when the operation began (nil on a box's first activation).
    public var from: String?
    public var to: String
    /// Why (for a rollback: "manual", or the failed checks).
    public var reason: String
    public var startedAt: String
    /// Unix time the trial window closes (activate only).
    public var trialEndsAt: Int?
    public var bootAttempts: Int
    /// false: record the switch but leave starting the services to the boot unit (image builds).
    public var startServices: Bool

    enum CodingKeys: String, CodingKey {
        case operation, from, to, reason, startedAt = "started_at", trialEndsAt = "trial_ends_at", bootAttempts = "boot_attempts"
        case startServices = "start_services"
    }

    public init(operation: Operation, from: String?, to: String, reason: String, startedAt: String, trialEndsAt: Int?, bootAttempts: Int,
                startServices: Bool = true) {
        self.startServices = startServices
        self.operation = operation
        self.from = from
        self.to = to
        self.reason = reason
        self.startedAt = startedAt
        self.trialEndsAt = trialEndsAt
        self.bootAttempts = bootAttempts
    }

    public func encoded() -> [UInt8] { CanonicalJSON.encode(self) }

    public static func decode(_ bytes: [UInt8], path: String) throws(ReleaseError) -> RollbackJournal {
        let journal: RollbackJournal
        do { journal = try JSONDecoder().decode(RollbackJournal.self, from: Data(bytes)) }
        catch { throw .invalidState("\(path) is not a valid journal: \(DecodingFailure.describe(error))") }
        // A journal is carried out as written: every version in it must be one a release
        // directory can have, never a path.
        for (pointer, value) in [("/to", journal.to), ("/from", journal.from)] {
            if let value, ImageVersion(parsing: value) == nil {
                throw .invalidState("\(path) is not a valid journal: \(pointer): '\(value.printable)' is not a version YYYY.MM.N")
            }
        }
        if journal.bootAttempts < 0 || journal.bootAttempts > 99 {
            throw .invalidState("\(path) is not a valid journal: /boot_attempts: \(journal.bootAttempts) is out of range 0 to 99")
        }
        return journal
    }
}
