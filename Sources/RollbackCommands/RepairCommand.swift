import ArgumentParser
import RollbackEngine

struct RepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Finish an interrupted operation and make boot selection and services agree with the current release.",
        discussion: "For hand-edited state: --current/--previous set a pointer; --discard-journal drops an unreadable journal.")

    @OptionGroup var options: RollbackOptions

    @Flag(name: .customLong("discard-journal"), help: "Drop the journal of an interrupted operation instead of finishing it.")
    var discardJournal = false

    @Option(name: .customLong("current"), help: ArgumentHelp("Point `current` at this installed version first.", valueName: "VERSION"))
    var setCurrent: String?

    @Option(name: .customLong("previous"), help: ArgumentHelp("Point `previous` at this installed version first.", valueName: "VERSION"))
    var setPrevious: String?

    func run() throws {
        try options.perform({ rollback throws(RollbackError) in
            try rollback.repair(discardJournal: discardJournal, setCurrent: setCurrent, setPrevious: setPrevious)
        }, text: { $0.actions })
    }
}
