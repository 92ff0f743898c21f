import ArgumentParser
import RollbackEngine

/// `rollback trust status|update|revocations`: the box's root of trust and revocation list.
struct TrustCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Show and update what this box trusts: its root of trust and revocation list.",
        subcommands: [Status.self, Update.self, Revocations.self]
    )

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "The root of trust, release keys, highest release counter installed, revocation list and revoked releases.",
            discussion: "Exit status: 0 shown, 65 the trust state is damaged (the reason is printed).")

        @OptionGroup var options: RollbackOptions

        func run() throws {
            try options.perform({ rollback throws(RollbackError) in try rollback.trustStatus() }, text: { $0.lines })
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update",
            abstract: "Take newer roots of trust, oldest first: each signed by a threshold of the one before and of its own, exactly one version newer.",
            discussion: "All are verified before any is kept. Exit status: 0 taken (or already held), 64 usage, 65 refused, 66 a missing file, 73 cannot write, 75 another rollback is running.")

        @OptionGroup var options: RollbackOptions

        @Argument(help: ArgumentHelp("The new roots (N+1, N+2, ...).", valueName: "ROOT"))
        var roots: [String] = []

        func run() throws {
            try options.perform({ rollback throws(RollbackError) in try rollback.updateRoots(roots) }, text: { $0.lines })
        }
    }

    struct Revocations: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revocations",
            abstract: "Take a newer signed revocation list; slots whose every release is revoked stop booting.",
            discussion: """
                A list older than the one the box holds is refused. Revoked releases are never \
                activated or rolled back to, and `status` says why; the running release is not \
                stopped (install a newer one). Exit status: 0 taken, 64 usage, 65 refused, 66 a \
                missing file, 73 cannot write, 75 another rollback is running.
                """)

        @OptionGroup var options: RollbackOptions

        @Argument(help: ArgumentHelp("The signed revocation list.", valueName: "LIST"))
        var list: String

        func run() throws {
            try options.perform({ rollback throws(RollbackError) in try rollback.takeRevocations(list) }, text: { $0.lines })
        }
    }
}
