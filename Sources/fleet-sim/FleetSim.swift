import ArgumentParser
import Basics
import Etcd
import FleetSimulation
import Foundation
import HostIO
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
            say("fleet-sim trials: \(boxes) boxes, \(trials) trials, seed \(seed) (--seed \(seed) replays it)")
            let client = EtcdClient(endpoints: try EtcdClient.parseEndpoints(etcd), transport: CurlTransport(), timeout: .seconds(30))
            var options = FleetSimulator.Options()
            options.boxes = boxes
            options.trials = trials
            options.seed = seed
            let restart: (@Sendable () async throws -> Void)? = restartCommand.map { command in
                { @Sendable in
                    // posix_spawn and waitpid (HostIO), not Foundation's Process: its wait
                    // never returned here when called from a task.
                    let runner = ProcessRunner(environment: ProcessInfo.processInfo.environment)
                    let result = try runner.run("/bin/sh", ["-c", command], timeout: 60)
                    guard result.status == 0 else { throw ValidationError("--restart-command failed: \(result.stderr)") }
                }
            }
            let simulator = FleetSimulator(store: client, clock: SimulationClock(), options: options, restart: restart,
                                           compact: { @Sendable in try await client.compact(revision: try await client.revision()) })
            let began = Date()
            try await simulator.setUp()
            say("fleet-sim: fleet set up in \(String(format: "%.1f", Date().timeIntervalSince(began))) s")
            let file = out.flatMap { FileManager.default.createFile(atPath: $0, contents: nil) ? FileHandle(forWritingAtPath: $0) : nil }
            let trials = try await simulator.run { trial in
                file?.write(Data(CanonicalJSON.compact(trial) + [0x0a]))
                if trial.trial % 50 == 0 { say("fleet-sim: \(trial.trial) trials, \(String(format: "%.0f", Date().timeIntervalSince(began))) s") }
            }
            let summary = TrialSummary(trials)
            say(summary.text)
            if !summary.goalsMet { throw ExitCode(1) }
        }
    }

    struct Load: AsyncParsableCommand {
        @Option(help: "etcd endpoint.") var etcd: String
        @Option(help: "Boxes.") var boxes = 10_000
        @Option(help: "Seconds to run.") var seconds = 180.0
        @Option(help: "Agents' poll interval (s).") var pollInterval = 60.0
        @Option(help: "When the bad release's rollout starts (s; default 60, or a third of a shorter run).") var rolloutAt: Double?
        @Option(help: "Seed.") var seed: UInt64?

        func run() async throws {
            LoggingSystem.bootstrap { label in var handler = StreamLogHandler.standardError(label: label); handler.logLevel = .error; return handler }
            let seed = self.seed ?? UInt64(Date().timeIntervalSince1970 * 1000)
            say("fleet-sim load: seed \(seed)")
            let transport = CurlTransport()
            let client = EtcdClient(endpoints: try EtcdClient.parseEndpoints(etcd), transport: transport, timeout: .seconds(30))
            var options = LoadRun.Options()
            options.seconds = seconds
            options.pollInterval = pollInterval
            options.rolloutAt = rolloutAt ?? min(60, seconds / 3)
            let report = try await LoadRun(client: client, transport: transport, boxes: boxes, seed: seed, options: options).run { say($0) }
            say(CanonicalJSON.text(report).trimmed)
            let abortOK = (report.abortLatency ?? .infinity) <= 5
            let pinOK = (report.pinBack ?? .infinity) <= pollInterval * 1.2 + 1
            say("goal: the rollout stops within 5 s of the canary's first failing report: \(abortOK ? "met" : "NOT met")")
            say("goal: pin-back within one poll interval and its jitter (\(pollInterval * 1.2) s): \(pinOK ? "met" : "NOT met")")
            if !abortOK || !pinOK { throw ExitCode(1) }
        }
    }
}

/// A line on stdout now (not when a buffer fills): the runs are long and watched.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
