/// How `imagesmith`, `provision` and `rollback` end: one meaning per number, shared by the
/// three tools, sysexits(3) where it has a name for it. Each command's `--help` says which of
/// these it uses; this is where they are defined (docs/architecture.md lists them too).
public enum ExitStatus: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// Done, or nothing to do.
    case success = 0
    /// The command ran and the answer is no: drift found, health checks failed outside the
    /// trial window (nothing changed), registration refused, state that needs attention.
    case failure = 1
    /// rollback: health checks failed inside the trial window and nothing intact is left to go
    /// back to; the box stays where it is and needs a technician.
    case stranded = 2
    /// Not whole yet: the target release is not intact (rollback; nothing changed), the box is
    /// not configured yet (provision status).
    case incomplete = 3
    /// rollback: health checks failed and the box rolled back by itself.
    case rolledBack = 4
    /// EX_USAGE: wrong arguments or options, an unknown version.
    case usage = 64
    /// EX_DATAERR: invalid input (a definition, lock, site spec, bundle or state file); the
    /// message names the file and the place.
    case dataError = 65
    /// EX_NOINPUT: an input file is missing or unreadable.
    case noInput = 66
    /// EX_UNAVAILABLE: a service or program the command needs did not do its part (a registry,
    /// a dashboard, Docker).
    case unavailable = 69
    /// EX_CANTCREAT: an output (a file, the rollback state, the boot block) could not be written;
    /// nothing half-written is left.
    case cannotWrite = 73
    /// EX_TEMPFAIL: try again later: registration pending, another rollback running, a reboot
    /// pending.
    case temporaryFailure = 75

    public var description: String {
        switch self {
        case .success: "success"
        case .failure: "failure"
        case .stranded: "stranded"
        case .incomplete: "incomplete"
        case .rolledBack: "rolled back"
        case .usage: "usage error"
        case .dataError: "invalid data"
        case .noInput: "missing input"
        case .unavailable: "service unavailable"
        case .cannotWrite: "cannot write"
        case .temporaryFailure: "temporary failure"
        }
    }
}
