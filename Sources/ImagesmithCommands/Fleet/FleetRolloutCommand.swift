import ArgumentParser
import Basics
import Fleet
import FleetEngine
import Foundation

/// `imagesmith fleet rollout`: start, step, run, watch and steer rollouts.
struct FleetRolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Start a rollout on a channel and move it by its rules (canary, soak, waves, abort), or by hand.",
        subcommands: [Start.self, Step.self, Run.self, Status.self, Pause.self, Resume.self, Abort.self]
    )

    /// What `status` and every other rollout command print.
    struct Report: Encodable {
        var id: String
        var kind: String
        var channel: String
        var from: String
        var to: String
        var phase: String
        var stage: String
        var devices: Int
        var reached: Int
        var healthy: Int
        var failed: [String]
        var silent: Int
        /// Reached devices whose status record cannot count (unreadable, too large, dated
        /// ahead of the engine's clock), and why.
        var badRecords: [String]
        var reason: String?
        var history: [RolloutState.Transition]

        enum CodingKeys: String, CodingKey {
            case id, kind, channel, from, to, phase, stage, devices, reached, healthy, failed, silent, badRecords = "bad_records", reason, history
        }

        init(_ view: RolloutView) {
            id = view.plan.id.text
            kind = view.plan.kind.rawValue
            channel = view.plan.channel.text
            from = view.plan.from.text
            to = view.plan.to.text
            phase = view.state.phase.rawValue
            stage = RolloutState.stageName(view.state.stage)
            devices = view.cohort.devices.count
            reached = view.tally.reached
            healthy = view.tally.healthy
            failed = view.tally.failed.map { "\($0.device): \($0.reason)" }
            silent = view.tally.silent.count
            badRecords = view.tally.bad.map { "\($0.device): \($0.reason)" }
            reason = view.state.reason
            history = view.state.history
        }

        var lines: [String] {
            var lines = ["rollout \(id): \(kind == "config" ? "site \(channel) config" : channel) \(from) -> \(to): \(phase), \(stage); \(reached) of \(devices) devices reached, \(healthy) healthy, \(failed.count) failed, \(silent) not reported yet"]
            if let reason { lines.append("  why: \(reason)") }
            for failure in failed.prefix(10) { lines.append("  failed: \(failure)") }
            for bad in badRecords.prefix(10) { lines.append("  bad record: \(bad)") }
            for transition in history.suffix(8) {
                lines.append("  \(FleetCommandSupport.time(transition.at)) \(transition.from) -> \(transition.to): \(transition.reason)")
            }
            return lines
        }
    }

    static func result(_ view: RolloutView) -> CommandResult {
        let report = Report(view)
        return (report.lines, report)
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a rollout of a published release on a channel (or of a site's config version), from what it runs now.",
            discussion: """
                The channel's devices are ordered by a hash of the rollout's id and theirs; the \
                first --canary of them take the release first, and no one else does until the \
                canary has soaked with no failure. Waves are cumulative percentages ending at 100. \
                With --site and --config, the site's devices take the config version the same way \
                (a refused or unhealthy config counts as a failure).
                """
        )

        @OptionGroup var store: FleetOptions
        @Argument(help: ArgumentHelp("A new rollout id.", valueName: "ID")) var id: String
        @Option(help: ArgumentHelp("The channel (a release rollout, with --to).", valueName: "CHANNEL")) var channel: String?
        @Option(help: ArgumentHelp("The release to roll out.", valueName: "VERSION")) var to: String?
        @Option(help: ArgumentHelp("The site (a config rollout, with --config).", valueName: "SITE")) var site: String?
        @Option(help: ArgumentHelp("The site's config version to roll out (imagesmith fleet config publish).", valueName: "VERSION")) var config: String?
        @Option(help: ArgumentHelp("Canary devices.", valueName: "N")) var canary: Int = 5
        @Option(help: ArgumentHelp("The canary's soak time.", valueName: "DURATION")) var soak: String = "24h"
        @Option(help: ArgumentHelp("By when every canary must report healthy.", valueName: "DURATION")) var deadline: String = "2h"
        @Option(help: ArgumentHelp("Cumulative wave percentages.", valueName: "P,P,...")) var waves: String = "1,10,100"
        @Option(help: ArgumentHelp("Each wave's soak time.", valueName: "DURATION")) var waveSoak: String = "1h"
        @Option(help: ArgumentHelp("By when each wave's devices must report healthy.", valueName: "DURATION")) var waveDeadline: String = "2h"
        @Option(help: ArgumentHelp("Failures tolerated while fewer than --min-sample have an outcome.", valueName: "N")) var maxFailures: Int = 1
        @Option(help: ArgumentHelp("Outcomes needed before the percentage applies.", valueName: "N")) var minSample: Int = 50
        @Option(help: ArgumentHelp("The share of failures that stops a wave.", valueName: "PERCENT")) var maxFailurePercent: Double = 2
        @Option(help: ArgumentHelp("A silent device at the deadline: pause (default) or fail.", valueName: "MODE")) var silence: String = "pause"
        @Option(help: ArgumentHelp("How recent, by the engine's clock, a healthy report must be to count (1m-24h).", valueName: "DURATION")) var fresh: String = "15m"

        func validate() throws {
            guard (channel != nil && to != nil && site == nil && config == nil) || (channel == nil && to == nil && site != nil && config != nil) else {
                throw ValidationError("Give --channel and --to (a release), or --site and --config (a site's configuration).")
            }
        }

        var kind: RolloutPlan.Kind { site != nil ? .config : .release }

        func plan(from: FleetVersion, now: Int64) throws(FleetError) -> RolloutPlan {
            do {
                let wavePercents = try waves.split(separator: ",").map { text -> Int in
                    guard let value = Int(text) else { throw ValidationError("--waves '\(waves.printable)' must be percentages like 1,10,100.") }
                    return value
                }
                guard let silenceMode = RolloutPlan.Silence(rawValue: silence) else { throw ValidationError("--silence must be pause or fail.") }
                let waveSoakSeconds = try FleetCommandSupport.seconds(waveSoak, option: "--wave-soak")
                let waveDeadlineSeconds = try FleetCommandSupport.seconds(waveDeadline, option: "--wave-deadline")
                let plan = RolloutPlan(
                    id: try FleetName.parse(id, as: "rollout"),
                    channel: kind == .release ? try FleetName.parse(channel ?? "", as: "channel") : try FleetName.parse(site ?? "", as: "site"),
                    from: from, to: kind == .release ? try FleetVersion.parse(to ?? "", as: "--to") : try FleetVersion.parse(config ?? "", as: "--config"),
                    canary: .init(size: canary, soakSeconds: try FleetCommandSupport.seconds(soak, option: "--soak"),
                                  deadlineSeconds: try FleetCommandSupport.seconds(deadline, option: "--deadline")),
                    waves: wavePercents.map { .init(size: $0, soakSeconds: waveSoakSeconds, deadlineSeconds: waveDeadlineSeconds) },
                    abort: .init(maxFailures: maxFailures, minSample: minSample, maxFailurePercent: maxFailurePercent),
                    silence: silenceMode, freshSeconds: try FleetCommandSupport.seconds(fresh, option: "--fresh"), createdAt: now, kind: kind)
                if let problem = plan.problem { throw FleetError.invalidInput("the rollout plan is not valid: \(problem)") }
                return plan
            } catch let error as FleetError {
                throw error
            } catch {
                throw .invalidInput("\(error)")
            }
        }

        func run() async throws {
            try await FleetCommandSupport.run(json: store.json) { () async throws(FleetError) in
                let engine = try store.engine()
                let channelKey: String
                let what: String
                if let site {
                    let name = try FleetName.parse(site, as: "site")
                    (channelKey, what) = (store.layout.siteChannel(name), "the config channel of site \(name) (imagesmith fleet config set)")
                } else {
                    let name = try FleetName.parse(channel ?? "", as: "channel")
                    (channelKey, what) = (store.layout.channel(name), "channel \(name)")
                }
                guard let stored = try await engine.store.get(channelKey) else { throw .missing(key: channelKey, what: what) }
                let current = try FleetRecordCodec.decode(ChannelRecord.self, from: stored)
                let plan = try plan(from: current.stable, now: Int64(Date().timeIntervalSince1970.rounded(.down)))
                return FleetRolloutCommand.result(try await engine.start(plan))
            }
        }
    }

    struct Step: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply the rules once (promote, pause or stop) and write the devices' desired states.")
        @OptionGroup var store: FleetOptions
        @Argument(help: ArgumentHelp("The rollout.", valueName: "ID")) var id: String

        func run() async throws {
            try await FleetCommandSupport.run(json: store.json) { () async throws(FleetError) in
                FleetRolloutCommand.result(try await store.engine().step(try FleetName.parse(id, as: "rollout")).view)
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Step a rollout every --interval until it completes, stops or pauses; safe to run on several hosts at once.",
            discussion: "Exit status: 0 completed, 1 stopped (aborted) or paused, 69/75 as for every fleet command."
        )
        @OptionGroup var store: FleetOptions
        @Argument(help: ArgumentHelp("The rollout.", valueName: "ID")) var id: String
        @Option(help: ArgumentHelp("Seconds between steps.", valueName: "SECONDS")) var interval: Double = 5

        func validate() throws {
            guard interval >= 0.1 && interval <= 3_600 else { throw ValidationError("--interval must be 0.1-3600 seconds.") }
        }

        func run() async throws {
            let rollout = try FleetName.parse(id, as: "rollout")
            var outcome: RolloutState.Phase = .running
            try await FleetCommandSupport.run(json: store.json) { () async throws(FleetError) in
                let engine = try store.engine()
                var last = ""
                while true {
                    let view: RolloutView
                    do throws(FleetError) {
                        view = try await engine.step(rollout).view
                    } catch .unavailable(let detail) {
                        // The store went away: keep trying; the rollout waits with it.
                        CommandOutput.standard.writeErr("imagesmith: the fleet store is unavailable (\(detail)); trying again\n")
                        try? await Task.sleep(for: .seconds(interval))
                        continue
                    } catch .conflict {
                        continue
                    }
                    let line = Report(view).lines[0]
                    if line != last, !store.json { CommandOutput.standard.writeOut(line + "\n") }
                    last = line
                    if view.state.phase != .running {
                        outcome = view.state.phase
                        return FleetRolloutCommand.result(view)
                    }
                    try? await Task.sleep(for: .seconds(interval))
                }
            }
            if outcome != .completed { throw ExitCode(ExitStatus.failure.rawValue) }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Where a rollout is, what its devices reported, and its transitions.")
        @OptionGroup var store: FleetOptions
        @Argument(help: ArgumentHelp("The rollout.", valueName: "ID")) var id: String

        func run() async throws {
            try await FleetCommandSupport.run(json: store.json) { () async throws(FleetError) in
                FleetRolloutCommand.result(try await store.engine().load(try FleetName.parse(id, as: "rollout")))
            }
        }
    }

    struct Pause: SteerCommand {
        static let configuration = CommandConfiguration(abstract: "Pause a running rollout (devices already reached keep the new release).")
        @OptionGroup var store: FleetOptions
        @Argument(help: ArgumentHelp("The rollout.", valueName: "ID")) var id: String
        @Option(help: ArgumentHelp("Why.", valueName: "TEXT")) var reason: String
        func steer(_ engine: RolloutEngine, _ rollout: FleetName) async throws(FleetError) -> RolloutView { try await engine.pause(rollout, reason: reason) }
    }

    struct Resume: SteerCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a paused rollout; the stage's soak and deadline start again.")
        @OptionGroup var store: FleetOptions
        @Argument(help: ArgumentHelp("The rollout.", valueName: "ID")) var id: String
        @Option(help: ArgumentHelp("Why.", valueName: "TEXT")) var reason: String
        func steer(_ engine: RolloutEngine, _ rollout: FleetName) async throws(FleetError) -> RolloutView { try await engine.resume(rollout, reason: reason) }
    }

    struct Abort: SteerCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a rollout: the channel goes back and every device it reached is pinned to the previous release.")
        @OptionGroup var store: FleetOptions
        @Argument(help: ArgumentHelp("The rollout.", valueName: "ID")) var id: String
        @Option(help: ArgumentHelp("Why.", valueName: "TEXT")) var reason: String
        func steer(_ engine: RolloutEngine, _ rollout: FleetName) async throws(FleetError) -> RolloutView { try await engine.abort(rollout, reason: reason) }
    }
}

/// A rollout moved by hand: the same parse, wiring and printing for pause, resume and abort.
protocol SteerCommand: AsyncParsableCommand {
    var store: FleetOptions { get }
    var id: String { get }
    func steer(_ engine: RolloutEngine, _ rollout: FleetName) async throws(FleetError) -> RolloutView
}

extension SteerCommand {
    func run() async throws {
        try await FleetCommandSupport.run(json: store.json) { () async throws(FleetError) in
            FleetRolloutCommand.result(try await steer(try store.engine(), try FleetName.parse(id, as: "rollout")))
        }
    }
}
