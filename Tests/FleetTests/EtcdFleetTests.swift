import Basics
import Etcd
import Fleet
import FleetAgent
import FleetEngine
import FleetSimulation
import Foundation
import HTTPCore
import Testing
import TestSupport
import Transport

/// A real etcd (Debian's etcd-server 3.4) on loopback per test, an engine on a manual clock.
final class FleetWorld: @unchecked Sendable {
    let etcd: EtcdServer
    let client: EtcdClient
    let clock = ManualClock()
    let layout = FleetLayout()
    let engine: RolloutEngine

    init() async throws {
        etcd = try await ProcessSupport.detached { try EtcdServer() }
        client = EtcdClient(endpoints: try EtcdClient.parseEndpoints(etcd.endpoint), transport: CurlTransport())
        engine = RolloutEngine(store: client, clock: clock)
    }

    func secondEngine() throws -> RolloutEngine {
        RolloutEngine(store: EtcdClient(endpoints: try EtcdClient.parseEndpoints(etcd.endpoint), transport: CurlTransport()), clock: clock)
    }

    func release(_ text: String) -> ReleaseEntry {
        ReleaseEntry(version: version(text), bundleSHA256: String(repeating: text.hasSuffix("1") ? "a" : "b", count: 64), bundle: "https://releases.example/edge-\(text).tar.gz", signature: nil, publishedAt: clock.epoch)
    }

    /// Two releases, a channel at the older, `count` devices on it.
    func fleet(_ count: Int) async throws -> [FleetName] {
        try await engine.publish(release("2026.11.1"))
        try await engine.publish(release("2026.12.1"))
        try await engine.setChannel(name("stable"), stable: version("2026.11.1"))
        let devices = Plans.devices(count)
        for device in devices {
            try await engine.enroll(device, DeviceEnrollment(site: name("site-1"), channel: name("stable")))
        }
        return devices
    }

    /// What a device's agent does, reduced to its report: it runs what its desired state or
    /// its channel says, healthy unless told otherwise.
    func report(_ device: FleetName, health: (FleetVersion) -> DeviceReport.Health = { _ in .ok }) async throws {
        let channel = try FleetRecordCodec.decode(ChannelRecord.self, from: try #require(try await client.get(layout.channel(name("stable")))).value, key: "channel")
        let desired = try await client.get(layout.desired(device)).map { try FleetRecordCodec.decode(DeviceDesired.self, from: $0.value, key: "desired") }
        let running = desired?.release ?? channel.stable
        let report = DeviceReport(release: running, slot: "a", health: health(running), reportedAt: clock.epoch)
        try await client.put(layout.status(device), FleetRecordCodec.encode(report))
    }

    func desired(_ device: FleetName) async throws -> DeviceDesired? {
        try await client.get(layout.desired(device)).map { try FleetRecordCodec.decode(DeviceDesired.self, from: $0.value, key: "desired") }
    }

    func channel() async throws -> ChannelRecord {
        try FleetRecordCodec.decode(ChannelRecord.self, from: try #require(try await client.get(layout.channel(name("stable")))).value, key: "channel")
    }
}

@Suite("The fleet store and rollouts against a real etcd", .serialized)
struct EtcdFleetTests {
    @Test("compare-and-swap: create once, move only from the revision read; listings page and read only what changed")
    func storeSemantics() async throws {
        let world = try await FleetWorld()
        let client = world.client
        #expect(try await client.commit([.absent("/t/a")], [.put("/t/a", Array("1".utf8))]))
        #expect(try await !client.commit([.absent("/t/a")], [.put("/t/a", Array("2".utf8))]))
        let first = try #require(try await client.get("/t/a"))
        #expect(first.value == Array("1".utf8))
        #expect(try await client.commit([.unchanged("/t/a", modRevision: first.modRevision)], [.put("/t/a", Array("3".utf8))]))
        #expect(try await !client.commit([.unchanged("/t/a", modRevision: first.modRevision)], [.put("/t/a", Array("4".utf8))]))
        #expect(try await client.get("/t/a")?.value == Array("3".utf8))

        let paged = EtcdClient(endpoints: client.endpoints, transport: CurlTransport(), pageSize: 3)
        for index in 0..<10 { try await client.put("/t/list/\(index)", Array("\(index)".utf8)) }
        let all = try await paged.list(prefix: "/t/list/", changedSince: nil)
        #expect(all.values.map(\.key) == (0..<10).map { "/t/list/\($0)" }.sorted())
        try await client.put("/t/list/7", Array("seven".utf8))
        let changed = try await paged.list(prefix: "/t/list/", changedSince: all.revision + 1)
        #expect(changed.values.map(\.key) == ["/t/list/7"])
        // A prefix never reaches a longer name's keys.
        try await client.put("/t/list0", Array("x".utf8))
        #expect(try await paged.list(prefix: "/t/list/", changedSince: nil).values.count == 10)
        // Compaction does not lose a changed-since read.
        try await client.compact(revision: try await client.revision())
        #expect(try await paged.list(prefix: "/t/list/", changedSince: all.revision + 1).values.map(\.key) == ["/t/list/7"])
    }

    @Test("releases are immutable: the same entry again is fine, other content under a published version is refused")
    func immutableReleases() async throws {
        let world = try await FleetWorld()
        try await world.engine.publish(world.release("2026.12.1"))
        try await world.engine.publish(world.release("2026.12.1"))
        var other = world.release("2026.12.1")
        other.bundleSHA256 = String(repeating: "c", count: 64)
        await #expect(throws: FleetError.self) { try await world.engine.publish(other) }
        await #expect { try await world.engine.setChannel(name("beta"), stable: version("2027.01.1")) } throws: { error in
            (error as? FleetError)?.description.contains("not published") == true
        }
    }

    @Test("a good release goes canary, waves, done: the channel moves, the per-device states are cleared")
    func goodRollout() async throws {
        let world = try await FleetWorld()
        let devices = try await world.fleet(40)
        let plan = Plans.plan(waves: [10, 50, 100])
        let started = try await world.engine.start(plan)
        #expect(started.cohort.devices.count == 40)
        let canary = Set(started.cohort.devices.prefix(5))
        for device in devices {
            #expect(try await world.desired(device)?.release == (canary.contains(device) ? plan.to : nil))
        }
        #expect(try await world.channel().candidate == plan.to)
        var stages: [String] = []
        for _ in 0..<12 {
            world.clock.advance(86_400)
            // A running engine reads the store every few seconds: it has seen the store at this
            // time, before the devices' reports (its clock says they are fresh).
            _ = try await world.engine.load(plan.id)
            for device in devices { try await world.report(device) }
            let (view, moved) = try await world.engine.step(plan.id)
            if moved { stages.append(view.state.history.last?.to ?? "") }
            if view.state.phase == .completed { break }
        }
        #expect(stages == ["wave 1", "wave 2", "wave 3", "completed"])
        #expect(try await world.channel() == ChannelRecord(stable: plan.to))
        for device in devices { #expect(try await world.desired(device) == nil) }
    }

    @Test("a bad release stops in the canary: nobody outside it is ever told to take it, the canary is pinned back")
    func badRollout() async throws {
        let world = try await FleetWorld()
        let devices = try await world.fleet(30)
        let plan = Plans.plan()
        let started = try await world.engine.start(plan)
        let canary = Set(started.cohort.devices.prefix(5))
        world.clock.advance(300)
        for device in devices { try await world.report(device) { $0 == plan.to ? .failing : .ok } }
        let (view, moved) = try await world.engine.step(plan.id)
        #expect(moved && view.state.phase == .aborted)
        for device in devices {
            let desired = try await world.desired(device)
            if canary.contains(device) {
                #expect(desired == DeviceDesired(release: plan.from, rollout: plan.id, pinned: true, reason: view.state.reason))
            } else {
                #expect(desired == nil)
            }
        }
        let channel = try await world.channel()
        #expect(channel.stable == plan.from && channel.candidate == nil && channel.rollout == nil && channel.lastAbort?.rollout == plan.id)
        // A stopped rollout stays stopped.
        world.clock.advance(86_400)
        #expect(try await !world.engine.step(plan.id).moved)
        await #expect(throws: FleetError.self) { try await world.engine.resume(plan.id, reason: "try again") }
    }

    @Test("two engines stepping one rollout: every transition is made once")
    func twoEngines() async throws {
        let world = try await FleetWorld()
        let devices = try await world.fleet(25)
        let plan = Plans.plan(waves: [20, 100])
        try await world.engine.start(plan)
        let other = try world.secondEngine()
        var moves = 0
        for _ in 0..<6 {
            world.clock.advance(86_400)
            _ = try await world.engine.load(plan.id)
            _ = try await other.load(plan.id)
            for device in devices { try await world.report(device) }
            async let a = world.engine.step(plan.id)
            async let b = other.step(plan.id)
            let (first, second) = try await (a, b)
            moves += (first.moved ? 1 : 0) + (second.moved ? 1 : 0)
            #expect(!(first.moved && second.moved), "both engines moved the same state")
        }
        let view = try await world.engine.load(plan.id)
        #expect(view.state.phase == .completed)
        #expect(moves == 3)
        #expect(view.state.history.map(\.to) == ["canary", "wave 1", "wave 2", "completed"])
    }

    @Test("the store restarts mid-rollout: the engine carries on and every device's desired state converges")
    func storeRestart() async throws {
        let world = try await FleetWorld()
        let devices = try await world.fleet(20)
        let plan = Plans.plan(waves: [50, 100])
        try await world.engine.start(plan)
        world.clock.advance(86_400)
        _ = try await world.engine.load(plan.id)
        for device in devices { try await world.report(device) }
        try await ProcessSupport.detached { try world.etcd.restart() }
        let (view, moved) = try await world.engine.step(plan.id)
        #expect(moved && view.state.stage == 1)
        let reach = plan.reach(stage: 1, population: 20)
        for (rank, device) in view.cohort.devices.enumerated() {
            #expect(try await world.desired(device)?.release == (rank < reach ? plan.to : nil))
        }
    }

    @Test("a device's credential reads the shared keys and its own, writes only its status, and sees nothing of another box")
    func deviceRoles() async throws {
        let world = try await FleetWorld()
        _ = try await world.fleet(2)
        let admin = world.client
        try await admin.addUser("root", password: "root-secret")
        try await admin.addRole("root")
        try await admin.grant(user: "root", role: "root")
        for device in ["box-0", "box-1"] {
            try await admin.addDevice(name(device), site: name("site-1"), password: "pw-\(device)", layout: world.layout)
        }
        try await admin.put(world.layout.siteConfig(name("site-1")), Array("{}".utf8))
        try await admin.put(world.layout.siteConfig(name("site-2")), Array("{}".utf8))
        try await admin.enableAuth()
        let endpoints = admin.endpoints
        let box0 = EtcdClient(endpoints: endpoints, transport: CurlTransport(), credentials: .init(user: "device-box-0", password: "pw-box-0"))
        let layout = world.layout
        #expect(try await box0.get(layout.channel(name("stable"))) != nil)
        #expect(try await box0.get(layout.enrollment(name("box-0"))) != nil)
        #expect(try await box0.get(layout.siteConfig(name("site-1"))) != nil)
        try await box0.put(layout.status(name("box-0")), Array("{}".utf8))
        // Its presence on a lease of its own, renewed by the same credential.
        let lease = try await box0.announce(layout.presence(name("box-0")), Array(#"{"since":1}"#.utf8), ttl: 30, lease: nil)
        #expect(try await box0.announce(layout.presence(name("box-0")), Array(#"{"since":1}"#.utf8), ttl: 30, lease: lease) == lease)
        await #expect(throws: FleetError.self) { _ = try await box0.announce(layout.presence(name("box-1")), Array("{}".utf8), ttl: 30, lease: nil) }
        for key in [layout.enrollment(name("box-1")), layout.status(name("box-1")), layout.registryLogins(name("box-1")), layout.siteConfig(name("site-2"))] {
            await #expect(throws: FleetError.permissionDenied("kv/range: etcdserver: permission denied")) { try await box0.get(key) }
        }
        for key in [layout.status(name("box-1")), layout.desired(name("box-0")), layout.channel(name("stable")), layout.enrollment(name("box-0"))] {
            await #expect(throws: FleetError.self) { try await box0.put(key, Array("{}".utf8)) }
        }
        let wrong = EtcdClient(endpoints: endpoints, transport: CurlTransport(), credentials: .init(user: "device-box-0", password: "not-it"))
        await #expect { try await wrong.get(layout.channel(name("stable"))) } throws: { error in
            guard let error = error as? FleetError, case .permissionDenied(let detail) = error else { return false }
            return !detail.contains("not-it")
        }
    }

    @Test("presence: each poll renews the device's lease; a box that stops polling goes offline when it lapses, and is back with a new lease when it polls again")
    func presence() async throws {
        let world = try await FleetWorld()
        let devices = try await world.fleet(2)
        // The real clock: leases lapse in etcd's time, not the virtual clock's.
        let agents = devices.enumerated().map { index, device in
            DeviceAgent(device: device, store: world.client, box: SimulatedBox(release: version("2026.11.1"), clock: SystemClock()), clock: SystemClock(),
                        schedule: PollSchedule(interval: 1, jitter: 0), heartbeat: 300, seed: UInt64(index))
        }
        for agent in agents { _ = await agent.tick() }
        let first = try #require(agents[0].presenceLease)
        _ = await agents[0].tick()
        #expect(agents[0].presenceLease == first, "a live lease was not renewed but replaced")
        var overview = try await world.engine.devices()
        #expect(overview.map(\.device) == devices)
        #expect(overview.allSatisfy { $0.presenceKnown && $0.onlineSince != nil && $0.report != nil && $0.enrollment != nil })
        // box-1 stops polling; box-0 goes on. Within a few lease lengths box-1 is offline.
        var offline = false
        for _ in 0..<60 where !offline {
            try await Task.sleep(for: .milliseconds(500))
            _ = await agents[0].tick()
            overview = try await world.engine.devices()
            offline = overview.first { $0.device == devices[1] }?.onlineSince == nil
        }
        #expect(offline, "box-1's presence outlived its lease")
        #expect(overview.first { $0.device == devices[0] }?.onlineSince != nil, "box-0 polled all along yet went offline")
        #expect(agents[0].presenceLease == first)
        _ = await agents[1].tick()
        #expect(agents[1].presenceLease != nil && agents[1].lastError == nil)
        #expect(try await world.engine.devices().first { $0.device == devices[1] }?.onlineSince != nil)
    }
}

/// Counts what crosses the wire: bytes received, and answers the transport refused as too large.
final class CountingTransport: HTTPTransport, @unchecked Sendable {
    let inner: any HTTPTransport
    private let lock = NSLock()
    private var received = 0
    private var refused = 0
    init(_ inner: any HTTPTransport) { self.inner = inner }
    var bytes: Int { lock.withLock { received } }
    var tooLarge: Int { lock.withLock { refused } }
    func reset() { lock.withLock { received = 0; refused = 0 } }
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        do {
            let response = try await inner.send(request)
            lock.withLock { received += response.body.count }
            return response
        } catch let error as TransportError where error.kind == .responseTooLarge {
            lock.withLock { refused += 1 }
            throw error
        }
    }
}

@Suite("Boxes that write huge records cannot stop an abort or freeze rollouts (real etcd)", .serialized)
struct FatRecordTests {
    @Test("devices on another channel write etcd's largest values: the canary's failure still stops its rollout, pause and abort work, each fat record is named, and costs the engine its own size once")
    func fatRecordsCannotFreezeRollouts() async throws {
        let world = try await FleetWorld()
        let counting = CountingTransport(CurlTransport())
        let engine = RolloutEngine(store: EtcdClient(endpoints: try EtcdClient.parseEndpoints(world.etcd.endpoint), transport: counting), clock: world.clock)
        let devices = try await world.fleet(10)
        // 25 boxes on another channel, and their rollout.
        try await world.engine.setChannel(name("beta"), stable: version("2026.11.1"))
        let others = (0..<25).map { name("beta-\($0)") }
        for device in others { try await world.engine.enroll(device, DeviceEnrollment(site: name("site-2"), channel: name("beta"))) }
        let plan = Plans.plan(canary: 3)
        let betaPlan = RolloutPlan(id: name("b1"), channel: name("beta"), from: version("2026.11.1"), to: version("2026.12.1"), createdAt: world.clock.epoch)
        try await engine.start(plan)
        try await engine.start(betaPlan)

        // Each of the other boxes writes a status of 1.4 MiB (etcd takes up to 1.5 MiB a
        // value): 35 MiB in all, more than the transport reads in one answer (32 MiB).
        let filler = String(repeating: "x", count: 1_400_000)
        for device in others {
            let fat = #"{"health":"ok","release":"2026.11.1","reported_at":\#(world.clock.epoch),"slot":"a","waiting":"\#(filler)"}"#
            try await world.client.put(world.layout.status(device), Array(fat.utf8))
        }
        // One canary box of r1 fails; another writes a fat status too.
        world.clock.advance(60)
        counting.reset()
        _ = try await engine.load(plan.id)
        let canary = try await engine.load(plan.id).cohort.devices.prefix(3)
        for device in devices { try await world.report(device) { $0 == plan.to && device == canary[0] ? .failing : .ok } }
        try await world.client.put(world.layout.status(canary[1]), Array(#"{"health":"ok","release":"2026.12.1","reported_at":1,"slot":"a","waiting":"\#(filler)"}"#.utf8))

        let (view, moved) = try await engine.step(plan.id)
        #expect(moved && view.state.phase == .aborted && view.state.reason?.contains(canary[0].text) == true, "\(view.state)")
        #expect(counting.tooLarge >= 1, "the fat records did not reach the limit: the test proves nothing")
        // What the step read: one refused page (at most the transport's 32 MiB) and each fat
        // record once, at its own size (base64 in JSON).
        #expect(counting.bytes < 26 * 1_900_000 + (1 << 20), "\(counting.bytes) bytes")
        for device in canary {
            #expect(try await world.desired(device) == DeviceDesired(release: plan.from, rollout: plan.id, pinned: true, reason: view.state.reason))
        }
        #expect(view.tally.bad.map(\.device).contains(canary[1]) || view.tally.failed.count >= 1)

        // Nothing new written: the next step reads next to nothing.
        counting.reset()
        _ = try await engine.step(plan.id)
        #expect(counting.bytes < 1 << 20, "\(counting.bytes) bytes for a step with nothing new")
        #expect(counting.tooLarge == 0)

        // The other rollout, whose boxes wrote the fat records, can be paused and stopped by hand.
        let paused = try await engine.pause(betaPlan.id, reason: "looking at the fat records")
        #expect(paused.state.phase == .paused)
        let stopped = try await engine.abort(betaPlan.id, reason: "bad boxes")
        #expect(stopped.state.phase == .aborted)
        // A fresh engine (nothing cached) can too, and lists every device with its problem named.
        let fresh = try world.secondEngine()
        let overview = try await fresh.devices()
        let named = overview.filter { $0.problems.contains { $0.contains("bytes or more") } }
        #expect(Set(named.map(\.device)) == Set(others + [canary[1]]), "\(named.map(\.device))")
        await #expect { try await fresh.abort(plan.id, reason: "again") } throws: { error in
            (error as? FleetError).map { if case .refused = $0 { true } else { false } } ?? false
        }
    }
}
