import Basics
import Fleet
import FleetAgent
import FleetEngine
import FleetSimulation
import Foundation
import Testing
import TestSupport

/// Device agents (the real `DeviceAgent`) and the rollout engine against a real etcd, on a
/// virtual clock: hours of soak in seconds. The boxes are `SimulatedBox`es (said so: a model
/// of what the box tools report, with faults), seeded; the seed is printed.
@Suite("Agents and rollouts against a real etcd, on a virtual clock", .serialized)
struct AgentSimulationTests {
    static let from = version("2026.11.1"), to = version("2026.12.1")

    func plan(_ id: String = "sim") -> RolloutPlan {
        RolloutPlan(id: name(id), channel: name("stable"), from: Self.from, to: Self.to,
                    canary: .init(size: 5, soakSeconds: 7_200, deadlineSeconds: 1_800),
                    waves: [.init(size: 10, soakSeconds: 1_800, deadlineSeconds: 1_800), .init(size: 100, soakSeconds: 1_800, deadlineSeconds: 1_800)],
                    abort: .init(maxFailures: 1, minSample: 20, maxFailurePercent: 5), createdAt: 0)
    }

    func setUp(_ count: Int, seed label: String, box: (Int, ManualClock) -> SimulatedBox) async throws -> (FleetWorld, FleetSimulation, UInt64) {
        let world = try await FleetWorld()
        let devices = try await world.fleet(count)
        try await world.client.put(world.layout.siteConfig(name("site-1")), Array(#"{"site":"one"}"#.utf8))
        let seed = SplitMix64.seeded(for: label).seed
        var boxes: [FleetName: SimulatedBox] = [:]
        for (index, device) in devices.enumerated() { boxes[device] = box(index, world.clock) }
        return (world, FleetSimulation(world: world, boxes: boxes, seed: seed), seed)
    }

    @Test("a good release reaches every box through canary and waves; each box applied its site configuration once")
    func goodRelease() async throws {
        let (world, simulation, seed) = try await setUp(40, seed: "goodRelease") { _, clock in SimulatedBox(release: Self.from, clock: clock) }
        try await world.engine.start(plan())
        let (view, took) = try await simulation.run(rollout: name("sim"), limit: 6 * 3_600) { $0.state.phase != .running }
        #expect(view.state.phase == .completed, "seed \(seed): \(String(describing: view.state.reason))")
        #expect(view.state.history.map(\.to) == ["canary", "wave 1", "wave 2", "completed"], "seed \(seed)")
        #expect(took >= 7_200 + 1_800 + 1_800, "seed \(seed): promoted before the soaks were over")
        // After completion, one more poll each and every box runs the new release.
        _ = try await simulation.run(rollout: name("sim"), limit: 150) { _ in false }
        for (device, box) in simulation.boxes {
            #expect(box.running == Self.to, "seed \(seed): \(device)")
            #expect(box.configs == 1, "seed \(seed): \(device) applied its site configuration \(box.configs) times")
        }
    }

    @Test("a release that fails its health checks stops in the canary: no box outside it ever runs it")
    func badRelease() async throws {
        let (world, simulation, seed) = try await setUp(60, seed: "badRelease") { _, clock in
            SimulatedBox(release: Self.from, clock: clock, rollsBackFrom: [Self.to])
        }
        let started = try await world.engine.start(plan())
        let canary = Set(started.cohort.devices.prefix(5))
        let (view, _) = try await simulation.run(rollout: name("sim"), limit: 3 * 3_600) { $0.state.phase != .running }
        #expect(view.state.phase == .aborted, "seed \(seed)")
        for (device, box) in simulation.boxes where !canary.contains(device) {
            #expect(!box.history.contains(Self.to), "seed \(seed): \(device) outside the canary ran the bad release")
        }
        #expect(try await world.channel().stable == Self.from)
    }

    @Test("boxes that took a release whose health then fails are pinned back within one poll and its jitter")
    func pinBack() async throws {
        // Four boxes after the canary fail on the new release and stay on it (no trial window
        // caught it): one in the first wave (tolerated: at most 1 before 20 outcomes), three in
        // the last; 4 of 60 is above 5 %, so the rollout stops whenever the reports arrive.
        let probe = RolloutCohort.order(rollout: name("sim"), devices: Plans.devices(60))
        let failing = Set(probe.devices[5..<9])
        let (world, simulation, seed) = try await setUp(60, seed: "pinBack") { index, clock in
            SimulatedBox(release: Self.from, clock: clock, failsOn: failing.contains(name("box-\(index)")) ? [Self.to] : [])
        }
        let started = try await world.engine.start(plan())
        #expect(started.cohort == probe)
        let (view, _) = try await simulation.run(rollout: name("sim"), limit: 4 * 3_600) { $0.state.phase != .running }
        #expect(view.state.phase == .aborted, "seed \(seed): \(String(describing: view.state.reason))")
        let reached = Array(view.cohort.devices.prefix(view.tally.reached))
        let abortedAt = world.clock.epoch
        let (_, took) = try await simulation.run(rollout: name("sim"), limit: 600) { _ in
            reached.allSatisfy { simulation.boxes[$0]!.running == Self.from }
        }
        let bound = Int64(60 * 1.2) + simulation.engineEvery
        #expect(reached.allSatisfy { simulation.boxes[$0]!.running == Self.from }, "seed \(seed)")
        #expect(took <= bound, "seed \(seed): pin-back took \(took) s of virtual time after the abort at \(abortedAt); at most \(bound) (one poll, its jitter, one engine step)")
        for device in reached { #expect(try await world.desired(device)?.pinned == true) }
    }

    @Test("a silent canary pauses the rollout; nothing is promoted on silence")
    func silentCanary() async throws {
        let (world, simulation, seed) = try await setUp(30, seed: "silentCanary") { _, clock in SimulatedBox(release: Self.from, clock: clock) }
        let started = try await world.engine.start(plan())
        simulation.silent = [started.cohort.devices[1]]
        let (view, took) = try await simulation.run(rollout: name("sim"), limit: 4 * 3_600) { $0.state.phase != .running }
        #expect(view.state.phase == .paused && view.state.stage == 0, "seed \(seed)")
        #expect(took >= 1_800 && took < 1_800 + 2 * simulation.engineEvery, "seed \(seed): paused after \(took) s")
        #expect(view.state.reason?.contains(started.cohort.devices[1].text) == true)
    }

    @Test("etcd restarts mid-rollout: agents back off, catch up, and every box converges to what the store says")
    func storeRestart() async throws {
        let (world, simulation, seed) = try await setUp(30, seed: "storeRestart") { _, clock in SimulatedBox(release: Self.from, clock: clock) }
        try await world.engine.start(plan())
        var restarted = false
        let (view, _) = try await simulation.run(rollout: name("sim"), limit: 8 * 3_600, during: { elapsed in
            if !restarted, elapsed >= 7_300 {
                restarted = true
                try await ProcessSupport.detached { try world.etcd.restart() }
            }
        }) { $0.state.phase != .running }
        #expect(restarted)
        #expect(view.state.phase == .completed, "seed \(seed): \(String(describing: view.state.reason))")
        _ = try await simulation.run(rollout: name("sim"), limit: 400) { _ in false }
        for (device, box) in simulation.boxes { #expect(box.running == Self.to, "seed \(seed): \(device)") }
    }

    @Test("update policies: a manual box waits for a technician, a box outside its window waits for it, and both say so")
    func policies() async throws {
        let world = try await FleetWorld()
        _ = try await world.fleet(0)
        // 1_796_000_000 is 00:53 UTC: a window at 02:00-04:00 UTC is closed, one at 23:30-01:30 (UTC+1: 00:30-02:30 local) open.
        for (device, policy) in [("manual", UpdatePolicy.manual), ("night", .window(start: 120, minutes: 120, zone: .fixed(utcOffsetMinutes: 0))),
                                 ("morning", .window(start: 30, minutes: 120, zone: .fixed(utcOffsetMinutes: 60))), ("now", .immediate)] {
            try await world.engine.enroll(name(device), DeviceEnrollment(site: name("site-1"), channel: name("stable"), policy: policy))
        }
        try await world.engine.setChannel(name("stable"), stable: Self.to)
        var results: [String: (FleetVersion, String?)] = [:]
        for device in ["manual", "night", "morning", "now"] {
            let box = SimulatedBox(release: Self.from, clock: world.clock)
            let agent = DeviceAgent(device: name(device), store: world.client, box: box, clock: world.clock, seed: 1)
            await agent.tick()
            #expect(agent.lastError == nil)
            let status = try FleetRecordCodec.decode(DeviceReport.self, from: try #require(try await world.client.get(world.layout.status(name(device)))).value, key: "status")
            results[device] = (box.running, status.waiting)
        }
        #expect(results["manual"]?.0 == Self.from && results["manual"]?.1?.contains("technician") == true)
        #expect(results["night"]?.0 == Self.from && results["night"]?.1?.contains("update window") == true)
        #expect(results["morning"]?.0 == Self.to && results["morning"]?.1 == nil)
        #expect(results["now"]?.0 == Self.to && results["now"]?.1 == nil)
    }

    @Test("a window in the site's time zone follows daylight saving: the same local hours before and after the change in Paris; a box without the zone waits and says why")
    func windowInTheSitesTimeZone() async throws {
        let world = try await FleetWorld()
        _ = try await world.fleet(0)
        let paris = try ZoneRules.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "/usr/share/zoneinfo/Europe/Paris"))))
        try await world.engine.setChannel(name("stable"), stable: Self.to)
        // 02:00-04:00 in Paris: 01:00-03:00 UTC in winter, 00:00-02:00 UTC in summer (the change
        // is on 2026-03-29 at 01:00 UTC). At 00:30 UTC only summer time has the window open;
        // a fixed offset of +60 would still say closed.
        let winter: Int64 = 1_774_657_800  // 2026-03-28 00:30 UTC: 01:30 in Paris, closed
        let summer: Int64 = 1_774_830_600  // 2026-03-30 00:30 UTC: 02:30 in Paris, open
        for (device, instant, open) in [("paris-winter", winter, false), ("paris-summer", summer, true)] {
            try await world.engine.enroll(name(device), DeviceEnrollment(site: name("site-1"), channel: name("stable"), policy: .window(start: 120, minutes: 120, zone: .named("Europe/Paris"))))
            world.clock.advance(instant - world.clock.epoch)
            let box = SimulatedBox(release: Self.from, clock: world.clock)
            box.zones = ["Europe/Paris": paris]
            let agent = DeviceAgent(device: name(device), store: world.client, box: box, clock: world.clock, seed: 1)
            await agent.tick()
            #expect(agent.lastError == nil)
            #expect((box.running == Self.to) == open, "\(device) at \(instant)")
            #expect(UpdatePolicy.window(start: 120, minutes: 120, zone: .fixed(utcOffsetMinutes: 60)).allows(at: instant) == false, "the fixed offset drifts")
        }
        // A box that lacks the zone does not update, and says why.
        try await world.engine.enroll(name("no-zone"), DeviceEnrollment(site: name("site-1"), channel: name("stable"), policy: .window(start: 120, minutes: 120, zone: .named("Europe/Paris"))))
        let box = SimulatedBox(release: Self.from, clock: world.clock)
        let agent = DeviceAgent(device: name("no-zone"), store: world.client, box: box, clock: world.clock, seed: 1)
        await agent.tick()
        let status = try FleetRecordCodec.decode(DeviceReport.self, from: try #require(try await world.client.get(world.layout.status(name("no-zone")))).value, key: "status")
        #expect(box.running == Self.from && status.waiting?.contains("time zone Europe/Paris is not in this box's zoneinfo") == true, "\(status)")
    }

    @Test("a store that is away: the agent keeps the box as it is and backs off exponentially")
    func storeAway() async throws {
        let world = try await FleetWorld()
        _ = try await world.fleet(1)
        let box = SimulatedBox(release: Self.from, clock: world.clock)
        let agent = DeviceAgent(device: name("box-0"), store: world.client, box: box, clock: world.clock,
                                schedule: PollSchedule(interval: 60, jitter: 0, backoffBase: 5, backoffCap: 900), seed: 7)
        #expect(await agent.tick() == 60)
        world.etcd.stop()
        var ceilings: [Double] = []
        for failures in 1...6 {
            let delay = await agent.tick()
            ceilings.append(min(900, 5 * Double(1 << (failures - 1))))
            #expect(delay >= 1 && delay <= ceilings.last!, "failure \(failures): waited \(delay)")
        }
        #expect(agent.lastError != nil && box.running == Self.from)
    }

    @Test("a site's configuration staged like a release: a config provision refuses stops in the canary and no other box tries it; a good one reaches every box and moves the site")
    func configRollouts() async throws {
        let (world, simulation, seed) = try await setUp(30, seed: "configRollouts") { _, clock in SimulatedBox(release: Self.from, clock: clock) }
        for box in simulation.boxes.values { box.refuseConfigs(containing: "BAD") }
        let site = name("site-1")
        for (text, body) in [("2026.12.1", #"{"v":1}"#), ("2026.12.2", #"{"v":2,"BAD":true}"#), ("2026.12.3", #"{"v":3}"#)] {
            try await world.engine.publishConfig(site: site, version: version(text), Array(body.utf8))
        }
        try await world.engine.setSiteConfig(site: site, version: version("2026.12.1"))
        func configPlan(_ id: String, from: String, to: String) -> RolloutPlan {
            RolloutPlan(id: name(id), channel: site, from: version(from), to: version(to),
                        canary: .init(size: 5, soakSeconds: 3_600, deadlineSeconds: 1_800),
                        waves: [.init(size: 50, soakSeconds: 1_800, deadlineSeconds: 1_800), .init(size: 100, soakSeconds: 1_800, deadlineSeconds: 1_800)],
                        abort: .init(maxFailures: 1, minSample: 20, maxFailurePercent: 5), createdAt: 0, kind: .config)
        }
        // Every box takes the site's config version first (and the plain config key is not used).
        let bad = try await world.engine.start(configPlan("cfg-bad", from: "2026.12.1", to: "2026.12.2"))
        let canary = Set(bad.cohort.devices.prefix(5))
        let (stopped, _) = try await simulation.run(rollout: name("cfg-bad"), limit: 3 * 3_600) { $0.state.phase != .running }
        #expect(stopped.state.phase == .aborted, "seed \(seed): \(String(describing: stopped.state.reason))")
        #expect(stopped.state.reason?.contains("refused config 2026.12.2") == true, "seed \(seed): \(String(describing: stopped.state.reason))")
        // One more poll each: the canary, pinned back, applies the site's version it never left.
        _ = try await simulation.run(rollout: name("cfg-bad"), limit: 150) { _ in false }
        for (device, box) in simulation.boxes {
            #expect(!box.configHistory.contains { $0.contains("BAD") }, "seed \(seed): \(device) applied the refused config")
            #expect(box.configHistory == [#"{"v":1}"#], "seed \(seed): \(device) applied \(box.configHistory)")
            let desired = try await world.client.get(world.layout.desiredConfig(device))
            if canary.contains(device) {
                let pin = try FleetRecordCodec.decode(DeviceDesired.self, from: try #require(desired).value, key: "desired-config")
                #expect(pin.release == version("2026.12.1") && pin.pinned, "seed \(seed): \(device)")
            } else {
                #expect(desired == nil, "seed \(seed): \(device) outside the canary was told to take the refused config")
            }
        }
        let afterAbort = try FleetRecordCodec.decode(ChannelRecord.self, from: try #require(try await world.client.get(world.layout.siteChannel(site))).value, key: "channel")
        #expect(afterAbort.stable == version("2026.12.1") && afterAbort.lastAbort?.rollout == name("cfg-bad"))

        let good = try await world.engine.start(configPlan("cfg-good", from: "2026.12.1", to: "2026.12.3"))
        #expect(good.cohort.devices.count == 30)
        let (done, _) = try await simulation.run(rollout: name("cfg-good"), limit: 6 * 3_600) { $0.state.phase != .running }
        #expect(done.state.phase == .completed, "seed \(seed): \(String(describing: done.state.reason))")
        _ = try await simulation.run(rollout: name("cfg-good"), limit: 150) { _ in false }
        for (device, box) in simulation.boxes {
            #expect(box.configHistory.last == #"{"v":3}"#, "seed \(seed): \(device) ended on \(box.configHistory)")
            #expect(box.running == Self.from, "seed \(seed): a config rollout moved \(device)'s release")
            #expect(try await world.client.get(world.layout.desiredConfig(device)) == nil, "seed \(seed): \(device) kept a desired config")
        }
        let moved = try FleetRecordCodec.decode(ChannelRecord.self, from: try #require(try await world.client.get(world.layout.siteChannel(site))).value, key: "channel")
        #expect(moved.stable == version("2026.12.3") && moved.rollout == nil)
    }
}
