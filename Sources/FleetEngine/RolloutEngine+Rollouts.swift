import Basics
import Fleet

/// A rollout as one engine reads it.
public struct RolloutView: Sendable {
    public var plan: RolloutPlan
    public var cohort: RolloutCohort
    public var state: RolloutState
    public var stateRevision: Int64
    public var tally: RolloutRules.Tally
    /// What the tally was made from: the store's word on each device the rollout has reached,
    /// and the engine's revision clock.
    public internal(set) var observations: [FleetName: DeviceObservation]
    public internal(set) var clock: RevisionClock
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
        let channel = try FleetRecordCodec.decode(ChannelRecord.self, from: stored)
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
        await keepClock()
        try await reconcile(view)
        return view
    }

    /// Reads a rollout and tallies its devices' reports.
    public func load(_ id: FleetName) async throws(FleetError) -> RolloutView {
        let (plan, cohort) = try await immutableParts(id)
        let (state, revision) = try await readState(id, plan: plan)
        let records = try await refreshDevices()
        return await view(plan, cohort, state, revision, records: records)
    }

    func view(_ plan: RolloutPlan, _ cohort: RolloutCohort, _ state: RolloutState, _ revision: Int64, records: [String: StoredValue]) async -> RolloutView {
        let clock = await currentClock()
        let reach = plan.reach(stage: state.stage, population: cohort.devices.count)
        let observations = observations(for: Array(cohort.devices.prefix(reach)), plan: plan, records: records)
        let tally = RolloutRules.tally(plan: plan, cohort: cohort, state: state, observations: observations, clock: clock, now: now)
        return RolloutView(plan: plan, cohort: cohort, state: state, stateRevision: revision, tally: tally, observations: observations, clock: clock)
    }

    /// The rollout's state and its revision (no device is read).
    func readState(_ id: FleetName, plan: RolloutPlan) async throws(FleetError) -> (RolloutState, Int64) {
        let (state, revision) = try await read(RolloutState.self, layout.rolloutState(id), what: "the state of rollout \(id)")
        guard state.stage <= plan.lastStage else {
            throw .malformed(key: layout.rolloutState(id), detail: "stage \(state.stage) is past the plan's last, \(plan.lastStage)")
        }
        return (state, revision)
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
        await keepClock()
        guard let next = RolloutRules.evaluate(plan: view.plan, cohort: view.cohort, state: view.state, observations: view.observations,
                                               clock: view.clock, now: now) else {
            try await reconcile(view)
            return (view, false)
        }
        let moved = try await transition(view.plan, stateRevision: view.stateRevision, to: next)
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

    /// A transition by hand reads the rollout's own keys only, never the devices': whatever the
    /// devices wrote, a pause, a resume or an abort is made. The desired states follow from the
    /// devices' records when they can be read, and are written whole when they cannot (an abort
    /// pins every device the rollout reached either way).
    func byHand(_ id: FleetName, _ change: (RolloutState, Int64) throws(FleetError) -> RolloutState) async throws(FleetError) -> RolloutView {
        let (plan, cohort) = try await immutableParts(id)
        let (state, revision) = try await readState(id, plan: plan)
        let next = try change(state, now)
        guard try await transition(plan, stateRevision: revision, to: next) else {
            throw .conflict(key: layout.rolloutState(id), detail: "rollout \(id) moved while this was being done; look at its status and try again")
        }
        let (after, afterRevision) = try await readState(id, plan: plan)
        do throws(FleetError) {
            let records = try await refreshDevices()
            let view = await view(plan, cohort, after, afterRevision, records: records)
            try await reconcile(view)
            return view
        } catch {
            logger.warning("the devices' records cannot be read; writing every desired state of the rollout", metadata: ["rollout": "\(id)", "error": "\(error)"])
            try await reconcile(plan, cohort, after, afterRevision, records: nil)
            return await view(plan, cohort, after, afterRevision, records: [:])
        }
    }

    /// One compare-and-swap: the state, and the channel where the phase changes what it says.
    func transition(_ plan: RolloutPlan, stateRevision: Int64, to next: RolloutState) async throws(FleetError) -> Bool {
        let stateKey = layout.rolloutState(plan.id)
        var conditions: [StoreCondition] = [.unchanged(stateKey, modRevision: stateRevision)]
        var writes: [StoreWrite] = [.put(stateKey, FleetRecordCodec.encode(next))]
        if next.phase == .aborted || next.phase == .completed {
            let channelKey = plan.channelKey(layout)
            guard let channel = try await store.get(channelKey) else { throw .missing(key: channelKey, what: "the channel of rollout \(plan.id)") }
            conditions.append(.unchanged(channelKey, modRevision: channel.modRevision))
            writes.append(.put(channelKey, FleetRecordCodec.encode(RolloutRules.channel(plan: plan, state: next, now: now))))
        }
        let moved = try await store.commit(conditions, writes)
        if moved {
            let last = next.history.last
            logger.notice("rollout moved", metadata: ["rollout": "\(plan.id)", "from": "\(last?.from ?? "")", "to": "\(last?.to ?? "")", "reason": "\((last?.reason ?? "").printable)"])
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
        try await reconcile(view.plan, view.cohort, view.state, view.stateRevision, records: records)
    }

    /// `records` nil: the devices' records could not be read, so every desired state the state
    /// wants is written (and none deleted).
    func reconcile(_ plan: RolloutPlan, _ cohort: RolloutCohort, _ state: RolloutState, _ stateRevision: Int64, records: [String: StoredValue]?) async throws(FleetError) {
        let population = cohort.devices.count
        var writes: [StoreWrite] = []
        for (rank, device) in cohort.devices.enumerated() {
            let key = plan.desiredKey(layout, device)
            let wanted = RolloutRules.desired(rank: rank, plan: plan, state: state, population: population)
            guard let records else {
                if let wanted { writes.append(.put(key, FleetRecordCodec.encode(wanted))) }
                continue
            }
            let current = records[key].flatMap { try? FleetRecordCodec.decode(DeviceDesired.self, from: $0, maximumBytes: Self.deviceRecordBytes) }
            switch (wanted, current) {
            case (let wanted?, let current) where wanted != current:
                writes.append(.put(key, FleetRecordCodec.encode(wanted)))
            case (nil, let current?) where current.rollout == plan.id || state.phase == .completed:
                // Done: the device follows its channel again (which now says the new release);
                // a completed rollout also clears pins left by earlier stopped ones.
                if records[key]?.value.isEmpty == false { writes.append(.delete(key)) }
            case (nil, nil) where records[key]?.withheldBytes != nil && state.phase == .completed:
                // A desired key too large to be one of ours: cleared like a pin.
                writes.append(.delete(key))
            default:
                break
            }
        }
        guard !writes.isEmpty else {
            markReconciled(plan.id, state: stateRevision)
            return
        }
        let stateKey = layout.rolloutState(plan.id)
        var start = 0
        while start < writes.count {
            let batch = Array(writes[start..<min(start + batchSize, writes.count)])
            guard try await store.commit([.unchanged(stateKey, modRevision: stateRevision)], batch) else {
                logger.info("rollout moved during reconcile; the engine that moved it writes the desired states", metadata: ["rollout": "\(plan.id)"])
                return
            }
            start += batchSize
        }
        if writes.contains(where: { if case .delete = $0 { true } else { false } }) { forgetDevices() }
        logger.info("desired states written", metadata: ["rollout": "\(plan.id)", "writes": "\(writes.count)", "phase": "\(state.phase.rawValue)"])
    }
}
