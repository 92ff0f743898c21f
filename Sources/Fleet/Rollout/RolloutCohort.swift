import Basics

/// The order in which a rollout reaches a channel's devices, fixed when it starts: devices
/// sorted by sha256(rollout id, device), so the canary is chosen deterministically (the same
/// rollout id and devices give the same five), differs between rollouts (no box is always
/// first), and a stage reaches a prefix of it.
public struct RolloutCohort: Sendable, Equatable, Codable {
    public var devices: [FleetName]

    public init(devices: [FleetName]) { self.devices = devices }

    public static func order(rollout: FleetName, devices: some Sequence<FleetName>) -> RolloutCohort {
        let keyed = Set(devices).map { device in (rank(rollout: rollout, device: device), device) }
        return RolloutCohort(devices: keyed.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }.map(\.1))
    }

    static func rank(rollout: FleetName, device: FleetName) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in rollout.text.utf8 + [0x0a] + device.text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return SplitMix64.mix(hash)
    }

    /// Each device's place in the order.
    public var ranks: [FleetName: Int] {
        Dictionary(uniqueKeysWithValues: devices.enumerated().map { ($1, $0) })
    }
}
