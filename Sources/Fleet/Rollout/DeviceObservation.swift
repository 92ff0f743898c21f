/// What the rollout engine knows of one device of a rollout, as the store says it: the device's
/// last report and the revision the store wrote it at, the revision of the write that targeted
/// the device (its desired state for this rollout), and a problem when the report could not be
/// read. The rules order a report after its targeting by these revisions, never by the time
/// the device wrote into it.
public struct DeviceObservation: Sendable, Equatable {
    public var report: DeviceReport?
    /// The store revision of the device's status key's last write (0: none).
    public var reportRevision: Int64
    /// The store revision of the write that targeted the device for this rollout: its desired
    /// state naming the rollout and the new release or config; nil while it has none.
    public var targetRevision: Int64?
    /// Why the device's status record is a bad record (unreadable, too large): named in the
    /// tally, never counted healthy.
    public var problem: String?

    public init(report: DeviceReport?, reportRevision: Int64, targetRevision: Int64?, problem: String? = nil) {
        self.report = report
        self.reportRevision = reportRevision
        self.targetRevision = targetRevision
        self.problem = problem
    }
}
