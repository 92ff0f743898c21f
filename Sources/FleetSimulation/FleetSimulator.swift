import Basics
import Fleet
import FleetAgent
import FleetEngine
import Foundation
import Logging

/// Ten thousand device agents (the real `DeviceAgent`) and the rollout engine against a real
/// etcd, on a virtual clock, seeded: trial after trial, a release with a fault is rolled out
/// to the fleet and the simulator records what the fleet did. Each trial's fault and infra
/// fault are drawn from the seed, so `--seed S` replays a run.
public final class FleetSimulator: @unchecked Sendable {
    public struct Options: Sendable {
        public var boxes = 10_000
        public var trials = 1_000
        public var seed: UInt64 = 1
        /// The agents' poll interval (s); jitter ±20 %.
        public var pollInterval: Double = 60
        /// The simulator's step (s of virtual time).
        public var tick: Int64 = 5
        /// How often the engine steps (s of virtual time).
        public var engineEvery: Int64 = 10
        /// A trial still running after this long is stopped by hand (a canary that happened to
        /// miss every bad box soaks its 24 h; the simulation does not wait for it).
        public var trialLimit: Int64 = 3 * 3_600
        public var canaryDeadline: Int64 = 900
        /// Check every box against the store after every this many trials (and after every
        /// trial with an etcd restart).
        public var convergenceEvery = 50
        /// Infra faults for given trials, whatever the seed draws (tests make sure of them).
        public var forcedInfra: [Int: Infra] = [:]
        public init() {}
    }

    public enum Fault: String, Sendable, Codable, CaseIterable {
        /// Every box fails its health checks on it and goes back by itself.
        case rollsBack = "rolls-back"
        /// Every box runs it with failing health (a crash loop).
        case crashLoop = "crash-loop"
        /// Half the boxes (by hardware, say) crash-loop on it.
        case failsOnSome = "fails-on-some"
        /// A good release, but two canary boxes are off the network.
        case silentCanary = "silent-canary"
    }

    public enum Infra: String, Sendable, Codable {
        case none
        case etcdRestart = "etcd-restart"
        case compaction
    }

    public struct Trial: Sendable, Codable {
        public var trial: Int
        public var fault: Fault
        public var infra: Infra
        /// How the rollout ended: aborted, paused (then stopped by hand), capped.
        public var ended: String
        public var reason: String?
        /// Boxes outside the canary that ever ran the trial's release.
        public var outsideCanaryReceived: Int
        /// Boxes that ever ran it.
        public var received: Int
        /// Virtual seconds from the start to the rollout's stop.
        public var stoppedAfter: Int64
        /// Virtual seconds from the stop until every box it reached ran the previous release.
        public var pinBackSeconds: Int64?
        /// Boxes whose running release differs from what the store says (nil: not checked).
        public var notConverged: Int?
        public var storeRequests: Int

        enum CodingKeys: String, CodingKey {
            case trial, fault, infra, ended, reason, received, storeRequests = "store_requests"
            case outsideCanaryReceived = "outside_canary_received", stoppedAfter = "stopped_after_s", pinBackSeconds = "pin_back_s", notConverged = "not_converged"
        }
    }

    let admin: any FleetStore
    let counting: CountingStore
    let shared: SharedReadStore
    let layout: FleetLayout
    let clock: SimulationClock
    let options: Options
    let engine: RolloutEngine
    /// Stops and starts etcd again on the same data (nil: no restarts in this run).
    let restart: (@Sendable () async throws -> Void)?
    let compact: (@Sendable () async throws -> Void)?
    let logger: Logger
    public let base = FleetVersion("2026.11.1")!
    let channel = FleetName("stable")!
    let site = FleetName("site-1")!

    public private(set) var devices: [FleetName] = []
    public private(set) var boxes: [SimulatedBox] = []
    var agents: [DeviceAgent] = []
    var next: [Int64] = []
    var silent: Set<Int> = []
    var random: SplitMix64

    public init(store: any FleetStore, layout: FleetLayout = FleetLayout(), clock: SimulationClock, options: Options,
                restart: (@Sendable () async throws -> Void)?, compact: (@Sendable () async throws -> Void)?, logger: Logger = Logger(label: "edge.fleet-sim")) {
        self.admin = store
        self.counting = CountingStore(store)
        self.layout = layout
        self.clock = clock
        self.options = options
        self.restart = restart
        self.compact = compact
        self.logger = logger
        self.shared = SharedReadStore(store: counting, layout: layout)
        var quiet = Logger(label: "edge.fleet-sim.engine")
        quiet.logLevel = .warning
        self.engine = RolloutEngine(store: counting, layout: layout, clock: clock, logger: quiet)
        self.random = SplitMix64(seed: options.seed)
    }

    /// The fleet: the base release, a channel, a site configuration, and every box enrolled
    /// (written in batches, as an operator's bulk import would).
    public func setUp() async throws(FleetError) {
        try await engine.publish(ReleaseEntry(version: base, bundleSHA256: String(repeating: "0", count: 64), bundle: "https://releases.example/edge-\(base).tar.gz", signature: nil, publishedAt: clock.epoch))
        try await engine.setChannel(channel, stable: base)
        _ = try await admin.commit([], [.put(layout.siteConfig(site), Array(#"{"site":"one"}"#.utf8))])
        devices = (0..<options.boxes).map { FleetName("box-\($0)")! }
        let enrollment = FleetRecordCodec.encode(DeviceEnrollment(site: site, channel: channel))
        var start = 0
        while start < devices.count {
            let batch = devices[start..<min(start + 100, devices.count)].map { StoreWrite.put(layout.enrollment($0), enrollment) }
            guard try await admin.commit([], batch) else { throw .conflict(key: layout.devicesPrefix, detail: "enrollment batch refused") }
            start += 100
        }
        var quiet = Logger(label: "edge.fleet-sim.agent")
        quiet.logLevel = .error
        for device in devices {
            let box = SimulatedBox(release: base, clock: clock)
            let agent = DeviceAgent(device: device, layout: layout, store: shared, box: box, clock: clock,
                                    schedule: PollSchedule(interval: options.pollInterval, jitter: 0.2, backoffBase: 5, backoffCap: 300),
                                    heartbeat: 300, seed: random.next(), logger: quiet)
            agent.follow(channel)
            boxes.append(box)
            agents.append(agent)
            next.append(clock.epoch + Int64(random.next() % UInt64(options.pollInterval)))
        }
        // Every box reports once before the first trial.
        await advance(seconds: Int64(options.pollInterval) + 1, rollout: nil)
    }

    /// Runs every trial; `progress` is told of each.
    public func run(progress: (Trial) -> Void = { _ in }) async throws -> [Trial] {
        var trials: [Trial] = []
        for number in 1...options.trials {
            let trial = try await runTrial(number)
            progress(trial)
            trials.append(trial)
        }
        return trials
    }

    func runTrial(_ number: Int) async throws -> Trial {
        let version = FleetVersion("2027.01.\(number)")!
        let fault = pick([(Fault.rollsBack, 40), (.crashLoop, 30), (.failsOnSome, 20), (.silentCanary, 10)])
        var infra = pick([(Infra.none, 80), (.etcdRestart, 10), (.compaction, 10)])
        if let forced = options.forcedInfra[number] { infra = forced }
        if infra == .etcdRestart && restart == nil { infra = .none }
        if infra == .compaction && compact == nil { infra = .none }
        let infraAt = Int64(30 + random.next() % 300)
        let requestsBefore = counting.requests

        try await engine.publish(ReleaseEntry(version: version, bundleSHA256: String(repeating: "1", count: 64), bundle: "https://releases.example/edge-\(version).tar.gz", signature: nil, publishedAt: clock.epoch))
        for box in boxes {
            switch fault {
            case .rollsBack: box.set(.rollsBack, for: version)
            case .crashLoop: box.set(.crashLoop, for: version)
            case .failsOnSome: box.set(random.next() % 2 == 0 ? .crashLoop : nil, for: version)
            case .silentCanary: break
            }
        }
        let id = FleetName("t\(number)")!
        let plan = RolloutPlan(id: id, channel: channel, from: base, to: version,
                               canary: .init(size: 5, soakSeconds: 86_400, deadlineSeconds: options.canaryDeadline), createdAt: clock.epoch)
        let started = try await retrying { try await self.engine.start(plan) }
        let index = Dictionary(uniqueKeysWithValues: devices.enumerated().map { ($1, $0) })
        let canary = Set(started.cohort.devices.prefix(plan.canary.size).compactMap { index[$0] })
        if fault == .silentCanary {
            silent = Set(canary.sorted().prefix(2))
        }

        let start = clock.epoch
        var stoppedAt: Int64?
        var ended = "running"
        var reason: String?
        var pinBack: Int64?
        var reached: [Int] = []
        var infraDone = infra == .none
        while true {
            let elapsed = clock.epoch - start
            if !infraDone, elapsed >= infraAt {
                infraDone = true
                if infra == .etcdRestart { try await restart?() } else { try await compact?() }
            }
            if stoppedAt == nil, elapsed % options.engineEvery == 0 {
                if let view = try? await engine.step(id).view, view.state.phase != .running {
                    stoppedAt = elapsed
                    ended = view.state.phase.rawValue
                    reason = view.state.reason
                    if view.state.phase == .paused {
                        // A person looks at a paused canary and stops it.
                        _ = try await retrying { try await self.engine.abort(id, reason: "operator: canary silent, stopped") }
                    }
                    reached = view.cohort.devices.prefix(view.tally.reached).compactMap { index[$0] }
                } else if elapsed >= options.trialLimit {
                    let view = try await retrying { try await self.engine.abort(id, reason: "trial limit") }
                    stoppedAt = elapsed
                    ended = "capped"
                    reason = view.state.reason
                    reached = view.cohort.devices.prefix(view.tally.reached).compactMap { index[$0] }
                }
            }
            if let stoppedAt {
                let back = reached.allSatisfy { silent.contains($0) || boxes[$0].running == base }
                if back {
                    pinBack = elapsed - stoppedAt
                    break
                }
                if elapsed - stoppedAt > 1_800 { break }
            }
            await advance(seconds: options.tick, rollout: id)
        }
        silent = []
        let received = boxes.indices.filter { boxes[$0].history.contains(version) }
        var notConverged: Int?
        if infra == .etcdRestart || number % options.convergenceEvery == 0 || number == options.trials {
            // Let every agent poll once more, then compare each box with the store.
            await advance(seconds: Int64(options.pollInterval * 1.2) + options.tick, rollout: nil)
            notConverged = try await mismatches()
        }
        return Trial(trial: number, fault: fault, infra: infra, ended: ended, reason: reason,
                     outsideCanaryReceived: received.filter { !canary.contains($0) }.count, received: received.count,
                     stoppedAfter: stoppedAt ?? -1, pinBackSeconds: pinBack, notConverged: notConverged,
                     storeRequests: counting.requests - requestsBefore)
    }

    /// Moves virtual time on by `seconds`, a tick at a time: the shared snapshot refreshed, the
    /// agents that are due polled (concurrently).
    func advance(seconds: Int64, rollout: FleetName?) async {
        let end = clock.epoch + seconds
        while clock.epoch < end {
            let now = clock.epoch
            try? await shared.refresh()
            let due = next.indices.filter { next[$0] <= now && !silent.contains($0) }
            await withTaskGroup(of: (Int, Double).self) { group in
                for index in due {
                    let agent = agents[index]
                    group.addTask { (index, await agent.tick()) }
                }
                for await (index, delay) in group { next[index] = now + max(1, Int64(delay.rounded())) }
            }
            await shared.flush()
            clock.advance(options.tick)
        }
    }

    /// Boxes not running what the store says they should (their desired release, else the
    /// channel's stable), read fresh from the store.
    func mismatches() async throws -> Int {
        let channelRecord = try FleetRecordCodec.decode(ChannelRecord.self, from: try await admin.get(layout.channel(channel))?.value ?? [], key: layout.channel(channel))
        let listing = try await admin.list(prefix: layout.devicesPrefix, changedSince: nil)
        var desired: [String: FleetVersion] = [:]
        for value in listing.values {
            guard let (device, record) = layout.deviceKey(value.key), record == "desired" else { continue }
            desired[device.text] = try FleetRecordCodec.decode(DeviceDesired.self, from: value.value, key: value.key).release
        }
        return devices.indices.filter { boxes[$0].running != (desired[devices[$0].text] ?? channelRecord.stable) }.count
    }

    /// A store call that waits out an outage (the store restarting).
    func retrying<T>(_ body: () async throws -> T) async throws -> T {
        var attempts = 0
        while true {
            do {
                return try await body()
            } catch let error as FleetError {
                guard case .unavailable = error, attempts < 100 else { throw error }
                attempts += 1
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    func pick<T>(_ weights: [(T, Int)]) -> T {
        var roll = Int(random.next() % UInt64(weights.reduce(0) { $0 + $1.1 }))
        for (value, weight) in weights {
            if roll < weight { return value }
            roll -= weight
        }
        return weights[0].0
    }
}
