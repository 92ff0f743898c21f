import ArgumentParser
import Basics
import Etcd
import FleetSimulation
import Foundation
import Logging
import Transport

/// Developer tool: the fleet simulation (docs/fleet.md, "The simulation"). `bench/fleet-sim`
/// starts an etcd of its own and runs this against it.
@main
struct FleetSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet-sim",
        abstract: "Run seeded rollout trials (virtual clock) or a real-time load against an etcd.",
        subcommands: [Trials.self, Load.self]
    )

    struct Trials: AsyncParsableCommand {
        @Option(help: "etcd endpoint.") var etcd: String
        @Option(help: "Boxes.") var boxes = 10_000
        @Option(help: "Trials.") var trials = 1_000
        @Option(help: "Seed (printed; the same seed replays the run).") var seed: UInt64?
        @Option(help: "A command that restarts etcd on the same data (an etcd restart becomes one of the faults).") var restartCommand: String?
        @Option(help: "Write every trial as JSON lines here.") var out: String?

        func run() async throws {
            LoggingSystem.bootstrap { label in var handler = StreamLogHandler.standardError(label: label); handler.logLevel = .error; return handler }
            let seed = self.seed ?? UInt64(Date().timeIntervalSince1970 * 1000)
            print("fleet-sim trials: \(boxes) boxes, \(trials) trials, seed \(seed) (--seed \(seed) replays it)")
            let client = EtcdClient(endpoints: try EtcdClient.parseEndpoints(etcd), transport: CurlTransport(), timeout: .seconds(30))
            var options = FleetSimulator.Options()
            options.boxes = boxes
            options.trials = trials
            options.seed = seed
            let restart: (@Sendable () async throws -> Void)? = restartCommand.map { command in
                { @Sendable in
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/bin/sh")
                    process.arguments = ["-c", command]
                    try process.run()
                    process.waitUntilExit()
                    guard process.terminationStatus == 0 else { throw ValidationError("--restart-command failed") }
                }
            }
            let simulator = FleetSimulator(store: client, clock: SimulationClock(), options: options, restart: restart,
                                           compact: { @Sendable in try await client.compact(revision: try await client.revision()) })
            let began = Date()
            try await simulator.setUp()
            print("fleet-sim: fleet set up in \(String(format: "%.1f", Date().timeIntervalSince(began))) s")
            let file = out.flatMap { FileManager.default.createFile(atPath: $0, contents: nil) ? FileHandle(forWritingAtPath: $0) : nil }
            let trials = try await simulator.run { trial in
                file?.write(Data(CanonicalJSON.compact(trial) + [0x0a]))
                if trial.trial % 50 == 0 { print("fleet-sim: \(trial.trial) trials, \(String(format: "%.0f", Date().timeIntervalSince(began))) s") }
            }
            let summary = TrialSummary(trials)
            print(summary.text)
            if !summary.goalsMet { throw ExitCode(1) }
        }
    }

    struct Load: AsyncParsableCommand {
        @Option(help: "etcd endpoint.") var etcd: String
        @Option(help: "Boxes.") var boxes = 10_000
        @Option(help: "Seconds to run.") var seconds = 180.0
        @Option(help: "Agents' poll interval (s).") var pollInterval = 60.0
        @Option(help: "When the bad release's rollout starts (s).") var rolloutAt = 60.0
        @Option(help: "Seed.") var seed: UInt64?

        func run() async throws {
            LoggingSystem.bootstrap { label in var handler = StreamLogHandler.standardError(label: label); handler.logLevel = .error; return handler }
            let seed = self.seed ?? UInt64(Date().timeIntervalSince1970 * 1000)
            print("fleet-sim load: seed \(seed)")
            let transport = CurlTransport()
            let client = EtcdClient(endpoints: try EtcdClient.parseEndpoints(etcd), transport: transport, timeout: .seconds(30))
            var options = LoadRun.Options()
            options.seconds = seconds
            options.pollInterval = pollInterval
            options.rolloutAt = rolloutAt
            let report = try await LoadRun(client: client, transport: transport, boxes: boxes, seed: seed, options: options).run { print($0) }
            print(CanonicalJSON.text(report), terminator: "")
            let abortOK = (report.abortLatency ?? .infinity) <= 5
            let pinOK = (report.pinBack ?? .infinity) <= pollInterval * 1.2 + 1
            print("goal: the rollout stops within 5 s of the canary's first failing report: \(abortOK ? "met" : "NOT met")")
            print("goal: pin-back within one poll interval and its jitter (\(pollInterval * 1.2) s): \(pinOK ? "met" : "NOT met")")
            if !abortOK || !pinOK { throw ExitCode(1) }
        }
    }
}
