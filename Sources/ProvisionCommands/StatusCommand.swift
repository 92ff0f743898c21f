import ArgumentParser
import Provisioning
import Basics
import FoundationEssentials

/// `provision status [--root DIR]`: what is done.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Report what provisioning has made durable, and whether registration is still pending."
    )

    @Option(help: ArgumentHelp("Treat every path as relative to this directory.", valueName: "DIR"))
    var root = "/"

    @Flag(help: "Print the journal as JSON.")
    var json = false

    func run() throws {
        let context = ProvisionWiring.context(root: root)
        guard let journal = Journal.load(context) else {
            print("provision: not provisioned yet (no journal at \(Journal.path(root: context.root)))")
            throw ExitCode(ExitStatus.incomplete.rawValue)
        }
        if json {
            print(CanonicalJSON.text(journal), terminator: "")
            return
        }
        print("configuration: \(journal.configured ? "complete" : "INCOMPLETE (run provision apply again)") for spec sha256 \(journal.specSHA256)")
        for (path, step) in journal.steps.sorted(by: { $0.key < $1.key }) {
            print("  done  \(path)  (\(step.at))")
        }
        var registration = "registration: \(journal.registration.state)"
        if journal.registration.state != .registered {
            registration += " after \(journal.registration.attempts) attempt\(journal.registration.attempts == 1 ? "" : "s")"
            if let error = journal.registration.lastError { registration += "; last error: \(error)" }
            registration += "; it is retried on the next run"
        }
        print(registration)
    }
}
