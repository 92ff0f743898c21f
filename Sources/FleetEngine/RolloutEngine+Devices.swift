import Basics
import Fleet

/// One device as the store has it: what it is enrolled in, what it was told, what it last
/// said, and whether it is there now.
public struct DeviceOverview: Sendable, Equatable, Encodable {
    public var device: FleetName
    public var enrollment: DeviceEnrollment?
    public var desired: DeviceDesired?
    public var report: DeviceReport?
    /// Presence on a lease (etcd): online since when, or nil when its lease has lapsed. Nil
    /// too on a store without leases (S3), where `presenceKnown` is false.
    public var onlineSince: Int64?
    public var presenceKnown: Bool
    /// A record that did not decode, said so rather than dropped.
    public var problems: [String]

    enum CodingKeys: String, CodingKey {
        case device, enrollment, desired, report, onlineSince = "online_since", presenceKnown = "presence_known", problems
    }
}

extension RolloutEngine {
    /// Every device with any record, in name order (one full read of `devices/`: a lapsed
    /// lease deletes the presence key, which a "changed since" read would not show).
    public func devices() async throws(FleetError) -> [DeviceOverview] {
        let listing = try await store.list(prefix: layout.devicesPrefix, changedSince: nil, maximumValueBytes: Self.deviceRecordBytes)
        let presenceKnown = store is any FleetPresence
        var overviews: [FleetName: DeviceOverview] = [:]
        for value in listing.values {
            guard let (device, record) = layout.deviceKey(value.key) else { continue }
            var overview = overviews[device] ?? DeviceOverview(device: device, presenceKnown: presenceKnown, problems: [])
            do throws(FleetError) {
                switch record {
                case "enrollment": overview.enrollment = try FleetRecordCodec.decode(DeviceEnrollment.self, from: value, maximumBytes: Self.deviceRecordBytes)
                case "desired": overview.desired = try FleetRecordCodec.decode(DeviceDesired.self, from: value, maximumBytes: Self.deviceRecordBytes)
                case "status": overview.report = try FleetRecordCodec.decode(DeviceReport.self, from: value, maximumBytes: Self.deviceRecordBytes)
                case "presence": overview.onlineSince = try FleetRecordCodec.decode(DevicePresence.self, from: value, maximumBytes: Self.deviceRecordBytes).since
                default: break
                }
            } catch {
                overview.problems.append(error.description)
            }
            overviews[device] = overview
        }
        return overviews.keys.sorted().compactMap { overviews[$0] }
    }
}
