/// What a device last said about itself (written by the device's own credential only).
public struct DeviceReport: Sendable, Equatable, Codable {
    public enum Health: String, Sendable, Codable { case ok, failing, unknown }

    /// The release running now, and the boot slot it runs from.
    public var release: FleetVersion
    public var slot: String
    public var health: Health
    public var reportedAt: Int64
    /// The last time the box went back by itself (health checks failed after a switch).
    public var lastRollback: RollbackNote?
    /// Why the device is not on its desired release, when it is not (a policy window, a
    /// refused signature, an install that failed).
    public var waiting: String?
    /// The site config version the box last applied (staged configs), and the last version it
    /// refused and why.
    public var config: FleetVersion?
    public var configFailure: ConfigFailure?

    public struct ConfigFailure: Sendable, Equatable, Codable {
        public var version: FleetVersion
        public var reason: String
        public var at: Int64

        public init(version: FleetVersion, reason: String, at: Int64) {
            self.version = version
            self.reason = reason
            self.at = at
        }
    }

    public struct RollbackNote: Sendable, Equatable, Codable {
        /// The release it left, and why.
        public var from: FleetVersion
        public var to: FleetVersion
        public var reason: String
        public var at: Int64

        public init(from: FleetVersion, to: FleetVersion, reason: String, at: Int64) {
            self.from = from
            self.to = to
            self.reason = reason
            self.at = at
        }
    }

    enum CodingKeys: String, CodingKey { case release, slot, health, reportedAt = "reported_at", lastRollback = "last_rollback", waiting, config, configFailure = "config_failure" }

    public init(release: FleetVersion, slot: String, health: Health, reportedAt: Int64, lastRollback: RollbackNote? = nil, waiting: String? = nil,
                config: FleetVersion? = nil, configFailure: ConfigFailure? = nil) {
        self.config = config
        self.configFailure = configFailure
        self.release = release
        self.slot = slot
        self.health = health
        self.reportedAt = reportedAt
        self.lastRollback = lastRollback
        self.waiting = waiting
    }
}
