import Basics
import Etcd
import Fleet
import FleetAgent
import FleetEngine
import FleetSimulation
import Foundation
import TestSupport
import Transport

/// Many agents and one rollout engine against a real etcd, on a virtual clock: each agent
/// ticks when its own schedule says (jittered, seeded), the engine steps every `engineEvery`
/// seconds; agents due in the same second tick concurrently.
final class FleetSimulation: @unchecked Sendable {
    let world: FleetWorld
    var agents: [FleetName: DeviceAgent] = [:]
    var boxes: [FleetName: SimulatedBox] = [:]
    var next: [FleetName: Int64] = [:]
    /// Boxes whose agent never runs (a box off the network).
    var silent: Set<FleetName> = []
    let engineEvery: Int64 = 30
    var seed: UInt64

    init(world: FleetWorld, boxes: [FleetName: SimulatedBox], seed: UInt64) {
        self.world = world
        self.seed = seed
        self.boxes = boxes
        var random = SplitMix64(seed: seed)
        let store = EtcdClient(endpoints: world.client.endpoints, transport: CurlTransport())
        for device in boxes.keys.sorted() {
            let agent = DeviceAgent(device: device, store: store, box: boxes[device]!, clock: world.clock,
                                    schedule: PollSchedule(interval: 60, jitter: 0.2, backoffBase: 5, backoffCap: 300),
                                    heartbeat: 300, seed: random.next())
            agent.follow(name("stable"))
            agents[device] = agent
            next[device] = world.clock.epoch + Int64(random.next() % 60)
        }
    }

    /// Runs until `until(view)` holds or `limit` seconds of virtual time pass; returns the
    /// engine's last view and the virtual time it took.
    func run(rollout: FleetName, limit: Int64, during: (Int64) async throws -> Void = { _ in }, until: (RolloutView) -> Bool) async throws -> (RolloutView, Int64) {
        let start = world.clock.epoch
        var nextEngine = start
        var view = try await world.engine.load(rollout)
        while world.clock.epoch - start < limit {
            let now = world.clock.epoch
            if now >= nextEngine {
                view = try await world.engine.step(rollout).view
                nextEngine = now + engineEvery
                if until(view) { return (view, now - start) }
            }
            try await during(now - start)
            let due = next.filter { $0.value <= now && !silent.contains($0.key) }.map(\.key)
            try await withThrowingTaskGroup(of: (FleetName, Double).self) { group in
                for device in due {
                    let agent = agents[device]!
                    group.addTask { (device, await agent.tick()) }
                }
                for try await (device, delay) in group { next[device] = now + max(1, Int64(delay.rounded())) }
            }
            let upcoming = min(nextEngine, next.filter { !silent.contains($0.key) }.map(\.value).min() ?? nextEngine)
            world.clock.advance(max(1, upcoming - now))
        }
        return (view, world.clock.epoch - start)
    }
}
