import ArgumentParser
import Provisioning
import Basics
import FoundationEssentials

/// `provision status [--root DIR]`: what is done.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Report what provisioning has made durable, and whether registration is still pending.",
        discussion: "Exit status: 0 configured, 3 not provisioned yet (or the configuration is incomplete)."
    )

    @Option(help: ArgumentHelp("Treat every path as relative to this directory.", valueName: "DIR"))
    var root = "/"

    @Flag(help: "Print the journal as JSON (with \"provisioned\": false on a box never provisioned).")
    var json = false

    /// The journal's fields, whether there is one at all, and whether it could be read.
    struct Report: Encodable {
        var provisioned: Bool
        var journalReadable: Bool
        var journal: Journal

        enum CodingKeys: String, CodingKey { case provisioned, journalReadable = "journal_readable" }

        func encode(to encoder: any Encoder) throws {
            try journal.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(provisioned, forKey: .provisioned)
            try container.encode(journalReadable, forKey: .journalReadable)
        }
    }

    func run() throws {
        let context = ProvisionWiring.context(root: root, json: json)
        let found = Journal.load(context)
        let journal = found ?? .empty
        let complete = found != nil && journal.configured
        // A journal that is there but cannot be used (damaged, hand-edited, naming paths
        // outside the box) is not "never provisioned": said so, and apply re-checks every step.
        let unreadable = found == nil && context.files.exists(Journal.path(root: context.root))
        if json {
            ProvisionWiring.printJSON(Report(provisioned: found != nil, journalReadable: !unreadable, journal: journal))
            if !complete { throw ExitCode(ExitStatus.incomplete.rawValue) }
            return
        }
        guard found != nil else {
            if unreadable {
                StandardStreams.output("provision: the journal at \(Journal.path(root: context.root)) cannot be used (damaged or edited by hand); provision apply checks every step against the disk again\n")
            } else {
                StandardStreams.output("provision: not provisioned yet (no journal at \(Journal.path(root: context.root)))\n")
            }
            throw ExitCode(ExitStatus.incomplete.rawValue)
        }
        StandardStreams.output("configuration: \(journal.configured ? "complete" : "INCOMPLETE (run provision apply again)") for spec sha256 \(journal.specSHA256.printable)\n")
        for (path, step) in journal.steps.sorted(by: { $0.key < $1.key }) {
            StandardStreams.output("  done  \(path.printable)  (\(step.at.printable))\n")
        }
        var registration = "registration: \(journal.registration.state)"
        if journal.registration.state != .registered {
            registration += " after \(journal.registration.attempts) attempt\(journal.registration.attempts == 1 ? "" : "s")"
            if let error = journal.registration.lastError { registration += "; last error: \(error.printable)" }
            registration += "; it is retried on the next run"
        }
        StandardStreams.output(registration + "\n")
        if !complete { throw ExitCode(ExitStatus.incomplete.rawValue) }
    }
}
