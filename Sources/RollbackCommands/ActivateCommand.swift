import ArgumentParser
import RollbackEngine

struct ActivateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate",
        abstract: "Make an installed release current (the current one becomes previous) and start its trial.",
        discussion: """
            Verifies the release is intact first. Re-tags its pinned images and brings the \
            services up by digest. When its OS image is in the other slot, that slot is tried \
            for --boot-attempts boots (reboot to enter it). Within --trial-window a failed \
            `rollback check` goes back automatically.
            """)

    @OptionGroup var options: RollbackOptions

    @Argument(help: ArgumentHelp("An installed release version (YYYY.MM.N).", valueName: "VERSION"))
    var version: String

    @Flag(help: "Activate a release even though it was rolled back from before.")
    var force = false

    @Option(name: .customLong("trial-window"), help: ArgumentHelp("Seconds after activation during which a failed check rolls back.", valueName: "SECONDS"))
    var trialWindow: Int = 1800

    @Option(name: .customLong("boot-attempts"), help: ArgumentHelp("Boots GRUB gives a new OS slot before falling back.", valueName: "N"))
    var bootAttempts: Int = 3

    @Flag(name: .customLong("dry-run"), help: "Show the plan and change nothing.")
    var dryRun = false

    @Flag(name: .customLong("no-start"), help: "Record the switch but leave starting the services to `rollback up` at boot (image builds).")
    var noStart = false

    func validate() throws {
        guard (0...Rollback.maximumTrialWindow).contains(trialWindow) else {
            throw ValidationError("--trial-window must be 0 to \(Rollback.maximumTrialWindow) seconds (7 days)")
        }
        guard (1...9).contains(bootAttempts) else { throw ValidationError("--boot-attempts must be from 1 to 9") }
    }

    func run() throws {
        try options.perform({ rollback throws(RollbackError) in
            try rollback.activate(version, force: force, trialWindow: trialWindow, bootAttempts: bootAttempts, dryRun: dryRun,
                                  startServices: !noStart)
        }, text: SwitchText.lines)
    }
}

enum SwitchText {
    static func lines(_ result: Rollback.SwitchResult) -> [String] {
        if result.operation == "up" { return ["services of \(result.to) are up"] + (result.rebootRequired ? ["reboot to boot its OS slot"] : []) }
        if result.unchanged { return ["\(result.to) is already the current release; nothing to do"] }
        if result.dryRun { return ["dry run, nothing changed:"] + (result.plan?.lines ?? []) }
        var lines = [result.resumed
            ? "finished the interrupted \(result.operation) from \(result.from ?? "nothing") to \(result.to)"
            : "\(result.operation == "activate" ? "activated" : "rolled back to") \(result.to) (was \(result.from ?? "nothing"))"]
        if result.rebootRequired { lines.append("reboot to boot its OS slot") }
        return lines
    }
}
