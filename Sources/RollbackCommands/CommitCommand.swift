import ArgumentParser
import RollbackEngine

struct CommitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit",
        abstract: "Mark the current release (and its OS slot) good, ending its trial.",
        discussion: "Needs a passed `rollback check` since activation, unless --force.")

    @OptionGroup var options: RollbackOptions

    @Flag(help: "Commit without a passed check.")
    var force = false

    func run() throws {
        try options.perform({ rollback throws(RollbackError) in try rollback.commit(force: force) }, text: { result in
            [result.alreadyCommitted ? "\(result.release) was already committed" : "committed \(result.release)"]
        })
    }
}
