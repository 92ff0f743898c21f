/// A release channel: the release every device on it runs unless its own desired state says
/// otherwise (`stable`), and the rollout moving it. Moved only by compare-and-swap.
public struct ChannelRecord: Sendable, Equatable, Codable {
    public var stable: FleetVersion
    /// The release a rollout is taking the channel to, while one runs.
    public var candidate: FleetVersion?
    public var rollout: FleetName?
    /// The last rollout on this channel that stopped, and why.
    public var lastAbort: AbortNote?

    public struct AbortNote: Sendable, Equatable, Codable {
        public var rollout: FleetName
        public var release: FleetVersion
        public var reason: String
        public var at: Int64

        public init(rollout: FleetName, release: FleetVersion, reason: String, at: Int64) {
            self.rollout = rollout
            self.release = release
            self.reason = reason
            self.at = at
        }
    }

    enum CodingKeys: String, CodingKey { case stable, candidate, rollout, lastAbort = "last_abort" }

    public init(stable: FleetVersion, candidate: FleetVersion? = nil, rollout: FleetName? = nil, lastAbort: AbortNote? = nil) {
        self.stable = stable
        self.candidate = candidate
        self.rollout = rollout
        self.lastAbort = lastAbort
    }
}
