import Basics
import Fleet

/// A rollout as one engine reads it.
public struct RolloutView: Sendable {
    public var plan: RolloutPlan
    public var cohort: RolloutCohort
    public var state: RolloutState
    public var stateRevision: Int64
    public var tally: RolloutRules.Tally
    /// The reports the tally was made from (the devices the rollout has reached).
    var reports: [FleetName: DeviceReport]
}

extension RolloutEngine {
    /// Starts a rollout of `plan`: the channel must be at `plan.from` with no rollout running;
    /// the channel's enrolled devices are ordered, and the plan, the order, the first state
    /// and the channel's candidate are written in one transaction.
    @discardableResult
    public func start(_ plan: RolloutPlan) async throws(FleetError) -> RolloutView {
        if let problem = plan.problem { throw .invalidInput("the rollout plan is not valid: \(problem)") }
        let channelName = plan.kind == .release ? "channel \(plan.channel)" : "the config channel of site \(plan.channel)"
        if plan.kind == .release { try await requirePublished(plan.to) } else { try await requireConfig(site: plan.channel, plan.to) }
        let channelKey = plan.channelKey(layout)
        guard let stored = try await store.get(channelKey) else { throw .missing(key: channelKey, what: channelName) }
        let channel = try FleetRecordCodec.decode(ChannelRecord.self, from: stored.value, key: channelKey)
        if let running = channel.rollout { throw .refused("\(channelName) is already in rollout \(running)") }
        guard channel.stable == plan.from else {
            throw .refused("\(channelName) is at \(channel.stable), not \(plan.from): the plan starts from the wrong \(plan.what)")
        }
        let records = try await refreshDevices()
        let cohort = RolloutCohort.order(rollout: plan.id, devices: enrolled(for: plan, records: records))
        let state = RolloutState.started(at: now)
        let writes: [StoreWrite] = [
            .put(layout.rolloutPlan(plan.id), FleetRecordCodec.encode(plan)),
            .put(layout.rolloutCohort(plan.id), FleetRecordCodec.encode(cohort)),
            .put(layout.rolloutState(plan.id), FleetRecordCodec.encode(state)),
            .put(channelKey, FleetRecordCodec.encode(RolloutRules.channel(plan: plan, state: state, now: now))),
        ]
        let conditions: [StoreCondition] = [.unchanged(channelKey, modRevision: stored.modRevision), .absent(layout.rolloutPlan(plan.id)), .absent(layout.rolloutState(plan.id))]
        guard try await store.commit(conditions, writes) else {
            throw .conflict(key: layout.rolloutState(plan.id), detail: "rollout \(plan.id) exists already, or \(channelName) changed meanwhile")
        }
        logger.info("rollout started", metadata: ["rollout": "\(plan.id)", "devices": "\(cohort.devices.count)", "to": "\(plan.to)"])
        let view = try await load(plan.id)
        try await reconcile(view)
        return view
    }

    /// Reads a rollout and tallies its devices' reports.
    public func load(_ id: FleetName) async throws(FleetError) -> RolloutView {
        let (plan, cohort) = try await immutableParts(id)
        let (state, revision) = try await read(RolloutState.self, layout.rolloutState(id), what: "the state of rollout \(id)")
        guard state.stage <= plan.lastStage else {
            throw .malformed(key: layout.rolloutState(id), detail: "stage \(state.stage) is past the plan's last, \(plan.lastStage)")
        }
        let records = try await refreshDevices()
        let reach = plan.reach(stage: state.stage, population: cohort.devices.count)
        let reports = reports(for: Array(cohort.devices.prefix(reach)), records: records)
        let tally = RolloutRules.tally(plan: plan, cohort: cohort, state: state, reports: reports, now: now)
        return RolloutView(plan: plan, cohort: cohort, state: state, stateRevision: revision, tally: tally, reports: reports)
    }

    /// The plan and the order: written once, so read once per engine.
    func immutableParts(_ id: FleetName) async throws(FleetError) -> (RolloutPlan, RolloutCohort) {
        if let known = immutable(id) { return known }
        let plan = try await read(RolloutPlan.self, layout.rolloutPlan(id), what: "rollout \(id)").0
        let cohort = try await read(RolloutCohort.self, layout.rolloutCohort(id), what: "the order of rollout \(id)").0
        guard plan.id == id, Set(cohort.devices).count == cohort.devices.count else {
            throw .malformed(key: layout.rolloutCohort(id), detail: "the plan and order of rollout \(id) do not belong together")
        }
        remember(id, plan, cohort)
        return (plan, cohort)
    }

    /// Applies the rules once: moves the rollout if they say so (one compare-and-swap), then
    /// brings the channel and the devices' desired states in line with the state. Returns the
    /// view after the step; `moved` says whether this engine made a transition.
    @discardableResult
    public func step(_ id: FleetName) async throws(FleetError) -> (view: RolloutView, moved: Bool) {
        let view = try await load(id)
        guard let next = RolloutRules.evaluate(plan: view.plan, cohort: view.cohort, state: view.state, reports: view.reports, now: now) else {
            try await reconcile(view)
            return (view, false)
        }
        let moved = try await transition(view, to: next)
        let after = try await load(id)
        try await reconcile(after)
        return (after, moved)
    }

    public func pause(_ id: FleetName, reason: String) async throws(FleetError) -> RolloutView {
        try await byHand(id) { state, now throws(FleetError) in try RolloutRules.pause(state, at: now, reason: reason) }
    }

    public func resume(_ id: FleetName, reason: String) async throws(FleetError) -> RolloutView {
        try await byHand(id) { state, now throws(FleetError) in try RolloutRules.resume(state, at: now, reason: reason) }
    }

    public func abort(_ id: FleetName, reason: String) async throws(FleetError) -> RolloutView {
        try await byHand(id) { state, now throws(FleetError) in try RolloutRules.abort(state, at: now, reason: reason) }
    }

    func byHand(_ id: FleetName, _ change: (RolloutState, Int64) throws(FleetError) -> RolloutState) async throws(FleetError) -> RolloutView {
        let view = try await load(id)
        let next = try change(view.state, now)
        guard try await transition(view, to: next) else {
            throw .conflict(key: layout.rolloutState(id), detail: "rollout \(id) moved while this was being done; look at its status and try again")
        }
        let after = try await load(id)
        try await reconcile(after)
        return after
    }

    /// One compare-and-swap: the state, and the channel where the phase changes what it says.
    func transition(_ view: RolloutView, to next: RolloutState) async throws(FleetError) -> Bool {
        let stateKey = layout.rolloutState(view.plan.id)
        var conditions: [StoreCondition] = [.unchanged(stateKey, modRevision: view.stateRevision)]
        var writes: [StoreWrite] = [.put(stateKey, FleetRecordCodec.encode(next))]
        if next.phase == .aborted || next.phase == .completed {
            let channelKey = view.plan.channelKey(layout)
            guard let channel = try await store.get(channelKey) else { throw .missing(key: channelKey, what: "the channel of rollout \(view.plan.id)") }
            conditions.append(.unchanged(channelKey, modRevision: channel.modRevision))
            writes.append(.put(channelKey, FleetRecordCodec.encode(RolloutRules.channel(plan: view.plan, state: next, now: now))))
        }
        let moved = try await store.commit(conditions, writes)
        if moved {
            let last = next.history.last
            logger.notice("rollout moved", metadata: ["rollout": "\(view.plan.id)", "from": "\(last?.from ?? "")", "to": "\(last?.to ?? "")", "reason": "\(last?.reason ?? "")"])
        }
        return moved
    }

    /// Writes each device's desired state where it differs from what the state wants, in
    /// batches guarded by the state's revision (a batch after another engine's transition is
    /// refused, and that engine writes its own).
    func reconcile(_ view: RolloutView) async throws(FleetError) {
        let records = try await refreshDevices()
        // Nothing to compare has changed since the last pass: 10,000 decodes saved a step.
        if isReconciled(view.plan.id, state: view.stateRevision) { return }
        let population = view.cohort.devices.count
        var writes: [StoreWrite] = []
        for (rank, device) in view.cohort.devices.enumerated() {
            let key = view.plan.desiredKey(layout, device)
            let wanted = RolloutRules.desired(rank: rank, plan: view.plan, state: view.state, population: population)
            let current = records[key].flatMap { try? FleetRecordCodec.decode(DeviceDesired.self, from: $0.value, key: key) }
            switch (wanted, current) {
            case (let wanted?, let current) where wanted != current:
                writes.append(.put(key, FleetRecordCodec.encode(wanted)))
            case (nil, let current?) where current.rollout == view.plan.id || view.state.phase == .completed:
                // Done: the device follows its channel again (which now says the new release);
                // a completed rollout also clears pins left by earlier stopped ones.
                if records[key]?.value.isEmpty == false { writes.append(.delete(key)) }
            default:
                break
            }
        }
        guard !writes.isEmpty else {
            markReconciled(view.plan.id, state: view.stateRevision)
            return
        }
        let stateKey = layout.rolloutState(view.plan.id)
        var start = 0
        while start < writes.count {
            let batch = Array(writes[start..<min(start + batchSize, writes.count)])
            guard try await store.commit([.unchanged(stateKey, modRevision: view.stateRevision)], batch) else {
                logger.info("rollout moved during reconcile; the engine that moved it writes the desired states", metadata: ["rollout": "\(view.plan.id)"])
                return
            }
            start += batchSize
        }
        if writes.contains(where: { if case .delete = $0 { true } else { false } }) { forgetDevices() }
        logger.info("desired states written", metadata: ["rollout": "\(view.plan.id)", "writes": "\(writes.count)", "phase": "\(view.state.phase.rawValue)"])
    }
}
