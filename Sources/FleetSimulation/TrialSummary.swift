import Foundation

/// What a run of trials shows, against the goals.
public struct TrialSummary: Sendable {
    public let trials: [FleetSimulator.Trial]

    public init(_ trials: [FleetSimulator.Trial]) { self.trials = trials }

    /// Trials whose release failed on every box (the canary cannot miss it).
    public var everyBoxBad: [FleetSimulator.Trial] { trials.filter { $0.fault == .rollsBack || $0.fault == .crashLoop } }
    public var outsideCanary: Int { everyBoxBad.map(\.outsideCanaryReceived).reduce(0, +) }
    public var notConverged: Int { trials.compactMap(\.notConverged).reduce(0, +) }
    public var convergenceChecks: Int { trials.compactMap(\.notConverged).count }
    public var unpinned: Int { trials.filter { $0.pinBackSeconds == nil }.count }

    public var goalsMet: Bool { outsideCanary == 0 && notConverged == 0 && unpinned == 0 }

    public var text: String {
        func count(_ fault: FleetSimulator.Fault) -> Int { trials.filter { $0.fault == fault }.count }
        let pins = trials.compactMap(\.pinBackSeconds).sorted()
        let partial = trials.filter { $0.fault == .failsOnSome }
        var lines = [
            "trials: \(trials.count) (\(count(.rollsBack)) rolls back, \(count(.crashLoop)) crash loop, \(count(.failsOnSome)) fails on half the boxes, \(count(.silentCanary)) silent canary); \(trials.filter { $0.infra == .etcdRestart }.count) with an etcd restart, \(trials.filter { $0.infra == .compaction }.count) with a compaction",
            "goal: 0 boxes outside the canary receive a release that fails on every box: \(outsideCanary) in \(everyBoxBad.count) trials: \(outsideCanary == 0 ? "met" : "NOT met")",
            "goal: 0 lost updates (every box runs what the store says) after \(convergenceChecks) checks: \(notConverged) boxes off: \(notConverged == 0 ? "met" : "NOT met")",
            "pin-back (virtual s after the stop): median \(pins.isEmpty ? 0 : pins[pins.count / 2]), max \(pins.last ?? 0); trials that never pinned back: \(unpinned)",
            "how trials ended: " + Dictionary(grouping: trials, by: \.ended).map { "\($0.key) \($0.value.count)" }.sorted().joined(separator: ", "),
        ]
        if !partial.isEmpty {
            lines.append("fails on half the boxes: boxes that ran it before the stop: max \(partial.map(\.received).max() ?? 0), trials stopped in the canary \(partial.filter { $0.received <= 5 }.count) of \(partial.count)")
        }
        let requests = trials.map(\.storeRequests).reduce(0, +)
        lines.append("store requests: \(requests) (\(trials.isEmpty ? 0 : requests / trials.count) a trial)")
        return lines.joined(separator: "\n")
    }
}
