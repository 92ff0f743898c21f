import Basics
import Etcd
import Fleet
import FleetSimulation
import Foundation
import Testing
import TestSupport
import Transport

/// The fleet simulation (bench/fleet-sim runs it at 10,000 boxes and 1,000 trials) at a size a
/// test run affords, with etcd restarts and compactions forced into the mix.
@Suite("The fleet simulation against a real etcd", .serialized)
struct FleetSimulatorTests {
    @Test("seeded trials: no box outside the canary runs a release that fails everywhere, every reached box is pinned back, nothing is lost across etcd restarts")
    func trials() async throws {
        let etcd = try await ProcessSupport.detached { try EtcdServer() }
        let client = EtcdClient(endpoints: try EtcdClient.parseEndpoints(etcd.endpoint), transport: CurlTransport(), timeout: .seconds(30))
        let seed = SplitMix64.seeded(for: "fleet simulation trials").seed
        var options = FleetSimulator.Options()
        options.boxes = 1_000
        options.trials = 12
        options.seed = seed
        options.convergenceEvery = 4
        options.forcedInfra = [3: .etcdRestart, 5: .compaction, 8: .etcdRestart]
        let simulator = FleetSimulator(store: client, clock: SimulationClock(), options: options,
                                       restart: { @Sendable in try await ProcessSupport.detached { try etcd.restart() } },
                                       compact: { @Sendable in try await client.compact(revision: try await client.revision()) })
        try await simulator.setUp()
        let trials = try await simulator.run()
        let summary = TrialSummary(trials)
        print(summary.text)
        #expect(trials.count == 12)
        #expect(trials.filter { $0.infra == .etcdRestart }.count >= 2 && trials.contains { $0.infra == .compaction })
        #expect(summary.outsideCanary == 0, "seed \(seed)")
        #expect(summary.unpinned == 0, "seed \(seed)")
        #expect(summary.notConverged == 0 && summary.convergenceChecks >= 3, "seed \(seed)")
        for trial in trials {
            #expect(trial.ended != "running" && trial.ended != "completed", "seed \(seed): trial \(trial.trial) \(trial.ended)")
            if trial.fault == .rollsBack || trial.fault == .crashLoop { #expect(trial.received <= 5, "seed \(seed): trial \(trial.trial)") }
            if trial.fault == .silentCanary { #expect(trial.ended == "paused", "seed \(seed): trial \(trial.trial)") }
            #expect((trial.pinBackSeconds ?? .max) <= 72 + 10 + 5, "seed \(seed): trial \(trial.trial) pinned back after \(String(describing: trial.pinBackSeconds)) s")
        }
    }

    @Test("the same seed replays the same trials")
    func replay() async throws {
        func run() async throws -> [String] {
            let etcd = try await ProcessSupport.detached { try EtcdServer() }
            let client = EtcdClient(endpoints: try EtcdClient.parseEndpoints(etcd.endpoint), transport: CurlTransport())
            var options = FleetSimulator.Options()
            options.boxes = 200
            options.trials = 4
            options.seed = 20_261_204
            let simulator = FleetSimulator(store: client, clock: SimulationClock(), options: options, restart: nil, compact: nil)
            try await simulator.setUp()
            return try await simulator.run().map { "\($0.fault) \($0.ended) \($0.received) \($0.stoppedAfter) \(String(describing: $0.pinBackSeconds))" }
        }
        let first = try await run()
        #expect(first == (try await run()))
    }
}
