/// What the rollout engine wants one device to run, when that differs from its channel's
/// stable release: the candidate while the device is in a rollout's targeted cohorts, or the
/// previous release, pinned, after the rollout was stopped.
public struct DeviceDesired: Sendable, Equatable, Codable {
    public var release: FleetVersion
    public var rollout: FleetName
    public var pinned: Bool
    public var reason: String?

    public init(release: FleetVersion, rollout: FleetName, pinned: Bool = false, reason: String? = nil) {
        self.release = release
        self.rollout = rollout
        self.pinned = pinned
        self.reason = reason
    }
}
