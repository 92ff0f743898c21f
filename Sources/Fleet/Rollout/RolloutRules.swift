/// The rules that move a rollout, pure: given the plan, the order, the state, what the store
/// says of the devices (`DeviceObservation`), the engine's revision clock and the time, the next
/// state (or none). A stage is promoted only when its soak time is over and every device it
/// reached reports healthy on the new release, in a report the store wrote after the device was
/// targeted and, by the engine's own clock, within the plan's freshness; a failure in the canary
/// stops the rollout; a wave stops on the plan's abort criteria; a device that is silent, stale,
/// has a bad record or has not converged by the stage's deadline pauses the rollout (or counts as
/// failed, if the plan says so): silence never promotes.
public enum RolloutRules {
    public enum Outcome: Sendable, Equatable {
        /// Healthy on the new release, in a report the store wrote after the targeting.
        case healthy(fresh: Bool)
        case failed(String)
        /// No report about the new release since the device was targeted (or not targeted yet).
        case pending
        /// A report that cannot count: unreadable, too large, dated ahead of the engine's clock.
        case bad(String)
    }

    /// How far ahead of the engine's clock a device's `reported_at` may be (clocks differ a
    /// little) before its report is a bad record.
    public static let allowedClockSkew: Int64 = 60

    /// What one device's last report says about the new release since it was targeted.
    ///
    /// Order is the store's: a report counts only when its status write has a higher revision
    /// than the write that targeted the device. Freshness is the engine's: `clock` says whether
    /// the store wrote the report within `fresh_seconds` of `now`. The device's own times are
    /// used in two places only, where a wrong clock can stop or hold a rollout but never promote
    /// it: a `reported_at` ahead of `now` makes the report a bad record, and a rollback or a
    /// refused config counts as a failure when the device dates it after the stage started
    /// (`targetedAt`): a clock behind hides it (the device then reports the previous release,
    /// which is pending, and the stage pauses at its deadline), a clock ahead shows an old one
    /// (the rollout stops).
    public static func outcome(of observation: DeviceObservation?, plan: RolloutPlan, targetedAt: Int64, clock: RevisionClock, now: Int64) -> Outcome {
        guard let observation, let target = observation.targetRevision else { return .pending }
        if let problem = observation.problem { return .bad(problem) }
        guard let report = observation.report, observation.reportRevision > target else { return .pending }
        if report.reportedAt > now + allowedClockSkew {
            return .bad("its report is dated \(report.reportedAt - now) s ahead of the engine's clock")
        }
        let fresh = clock.isFresh(revision: observation.reportRevision, now: now, seconds: plan.freshSeconds)
        if plan.kind == .config {
            // A config version the box's provision refused, or that left it unhealthy, failed.
            if let failure = report.configFailure, failure.version == plan.to, failure.at >= targetedAt {
                return .failed("refused config \(plan.to): \(failure.reason)")
            }
            guard report.config == plan.to else { return .pending }
            switch report.health {
            case .ok: return .healthy(fresh: fresh)
            case .failing: return .failed("health checks failing with config \(plan.to)")
            case .unknown: return .pending
            }
        }
        if let rollback = report.lastRollback, rollback.from == plan.to, rollback.at >= targetedAt {
            return .failed("went back to \(rollback.to) by itself: \(rollback.reason)")
        }
        guard report.release == plan.to else { return .pending }
        switch report.health {
        case .ok: return .healthy(fresh: fresh)
        case .failing: return .failed("health checks failing on \(plan.to)")
        case .unknown: return .pending
        }
    }

    /// A tally of the devices a rollout has reached.
    public struct Tally: Sendable, Equatable {
        public var reached = 0
        public var healthy = 0
        public var failed: [(device: FleetName, reason: String)] = []
        /// Reached, no outcome yet: pending, a healthy report the engine cannot show is fresh,
        /// or a bad record.
        public var silent: [FleetName] = []
        /// Reached devices whose status is a bad record, and why (also among `silent`).
        public var bad: [(device: FleetName, reason: String)] = []
        public var canaryFailed: [(device: FleetName, reason: String)] = []

        public static func == (a: Tally, b: Tally) -> Bool {
            a.reached == b.reached && a.healthy == b.healthy && a.silent == b.silent && a.bad.map(\.device) == b.bad.map(\.device)
                && a.failed.map(\.device) == b.failed.map(\.device) && a.canaryFailed.map(\.device) == b.canaryFailed.map(\.device)
        }
    }

    public static func tally(plan: RolloutPlan, cohort: RolloutCohort, state: RolloutState, observations: [FleetName: DeviceObservation],
                             clock: RevisionClock, now: Int64) -> Tally {
        var tally = Tally()
        let population = cohort.devices.count
        let canaryReach = plan.reach(stage: 0, population: population)
        var stage = 0
        tally.reached = plan.reach(stage: state.stage, population: population)
        for rank in 0..<tally.reached {
            while rank >= plan.reach(stage: stage, population: population) { stage += 1 }
            let device = cohort.devices[rank]
            let targetedAt = state.stageStartedAt[min(stage, state.stageStartedAt.count - 1)]
            switch outcome(of: observations[device], plan: plan, targetedAt: targetedAt, clock: clock, now: now) {
            case .healthy(let fresh):
                if fresh { tally.healthy += 1 } else { tally.silent.append(device) }
            case .failed(let reason):
                tally.failed.append((device, reason))
                if rank < canaryReach { tally.canaryFailed.append((device, reason)) }
            case .pending:
                tally.silent.append(device)
            case .bad(let reason):
                tally.silent.append(device)
                tally.bad.append((device, reason))
            }
        }
        return tally
    }

    /// The next state, or nil when nothing changes now.
    public static func evaluate(plan: RolloutPlan, cohort: RolloutCohort, state: RolloutState, observations: [FleetName: DeviceObservation],
                                clock: RevisionClock, now: Int64) -> RolloutState? {
        guard state.phase == .running, !cohort.devices.isEmpty else {
            if state.phase == .running, cohort.devices.isEmpty {
                return state.moved(to: .completed, at: now, reason: "the channel has no devices")
            }
            return nil
        }
        let tally = tally(plan: plan, cohort: cohort, state: state, observations: observations, clock: clock, now: now)
        let settings = plan.settings(stage: state.stage)
        let started = state.stageStartedAt[state.stage]
        let pastDeadline = now >= started + settings.deadlineSeconds

        var failed = tally.failed
        if pastDeadline, !tally.silent.isEmpty, plan.silence == .fail {
            failed += tally.silent.map { ($0, "silent past the \(RolloutState.stageName(state.stage)) deadline") }
        }
        if let reason = abortReason(plan: plan, tally: tally, failed: failed, canaryFailed: state.stage == 0 ? failed : tally.canaryFailed) {
            return state.moved(to: .aborted, at: now, reason: reason)
        }
        if pastDeadline, !tally.silent.isEmpty, plan.silence == .pause {
            let bad = tally.bad.isEmpty ? "" : "; bad records: " + tally.bad.prefix(5).map { "\($0.device): \($0.reason)" }.joined(separator: "; ")
            return state.moved(to: .paused, at: now, reason: "\(tally.silent.count) of \(tally.reached) devices have not reported healthy on \(plan.to), freshly, by the \(RolloutState.stageName(state.stage)) deadline (\(names(tally.silent))\(bad)): inconclusive, paused for a person")
        }
        let waiting = plan.silence == .fail && pastDeadline ? 0 : tally.silent.count
        guard now >= started + settings.soakSeconds, waiting == 0 else { return nil }
        if state.stage == plan.lastStage {
            return state.moved(to: .completed, at: now, reason: "every device healthy on \(plan.to) after the last wave's soak")
        }
        return state.moved(to: .running, stage: state.stage + 1, at: now,
                           reason: "\(tally.healthy) of \(tally.reached) devices healthy on \(plan.to) after the \(RolloutState.stageName(state.stage))'s soak")
    }

    static func abortReason(plan: RolloutPlan, tally: Tally, failed: [(device: FleetName, reason: String)], canaryFailed: [(device: FleetName, reason: String)]) -> String? {
        if let first = canaryFailed.first {
            return "canary device \(first.device) failed (\(first.reason)); the canary tolerates no failure"
        }
        guard let first = failed.first else { return nil }
        let decided = tally.healthy + failed.count
        if decided < plan.abort.minSample {
            guard failed.count > plan.abort.maxFailures else { return nil }
            return "\(failed.count) devices failed, more than the \(plan.abort.maxFailures) allowed before \(plan.abort.minSample) have an outcome (first: \(first.device), \(first.reason))"
        }
        guard Double(failed.count) * 100 > plan.abort.maxFailurePercent * Double(decided) else { return nil }
        return "\(failed.count) of \(decided) devices failed, above \(plan.abort.maxFailurePercent)% (first: \(first.device), \(first.reason))"
    }

    static func names(_ devices: [FleetName]) -> String {
        devices.prefix(5).map(\.text).joined(separator: ", ") + (devices.count > 5 ? ", ..." : "")
    }

    // MARK: by hand

    public static func pause(_ state: RolloutState, at now: Int64, reason: String) throws(FleetError) -> RolloutState {
        guard state.phase == .running else { throw .refused("the rollout is \(state.phase.rawValue), not running: it cannot be paused") }
        return state.moved(to: .paused, at: now, reason: reason)
    }

    /// Resuming restarts the stage's soak and deadline: what was silent gets its time again.
    public static func resume(_ state: RolloutState, at now: Int64, reason: String) throws(FleetError) -> RolloutState {
        guard state.phase == .paused else { throw .refused("the rollout is \(state.phase.rawValue), not paused: it cannot be resumed") }
        var next = state.moved(to: .running, at: now, reason: reason)
        next.stageStartedAt[next.stage] = now
        return next
    }

    public static func abort(_ state: RolloutState, at now: Int64, reason: String) throws(FleetError) -> RolloutState {
        guard state.isActive else { throw .refused("the rollout is already \(state.phase.rawValue)") }
        return state.moved(to: .aborted, at: now, reason: reason)
    }

    // MARK: what a state means for the store

    /// What device number `rank` of the order should run instead of its channel's stable
    /// release, in this state (nil: follow the channel).
    public static func desired(rank: Int, plan: RolloutPlan, state: RolloutState, population: Int) -> DeviceDesired? {
        guard rank < plan.reach(stage: state.stage, population: population) else { return nil }
        switch state.phase {
        case .running, .paused: return DeviceDesired(release: plan.to, rollout: plan.id)
        case .aborted: return DeviceDesired(release: plan.from, rollout: plan.id, pinned: true, reason: state.reason)
        case .completed: return nil
        }
    }

    /// The channel's record in this state: the candidate while active, back to the previous
    /// release when stopped, the new release when complete.
    public static func channel(plan: RolloutPlan, state: RolloutState, now: Int64) -> ChannelRecord {
        switch state.phase {
        case .running, .paused: return ChannelRecord(stable: plan.from, candidate: plan.to, rollout: plan.id)
        case .aborted: return ChannelRecord(stable: plan.from, lastAbort: .init(rollout: plan.id, release: plan.to, reason: state.reason ?? "stopped", at: now))
        case .completed: return ChannelRecord(stable: plan.to)
        }
    }
}
