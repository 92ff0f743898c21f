import Basics
import ArgumentParser
import FoundationEssentials
import HostIO
import Lock
import RollbackEngine

/// Options every subcommand shares.
struct RollbackOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Operate on this root directory (state under ROOT/var/lib/edge-rollback).", valueName: "DIR"))
    var root: String = "/"

    @Option(help: ArgumentHelp("The GRUB environment block (default ROOT/boot/grub/grubenv).", valueName: "FILE"))
    var grubenv: String?

    @Flag(help: "Print the result as JSON on stdout.")
    var json = false

    /// The real world, wired: the disk under --root, the Docker CLI (timed), the prober,
    /// the kernel command line and systemctl, the system clock.
    func context() -> RollbackContext {
        let environment = ProcessInfo.processInfo.environment
        let runner = ProcessRunner(environment: environment)
        // Under a root other than `/`, nothing outside it is read or changed (whatever links
        // it holds), but the GRUB block the operator named with --grubenv.
        let rooted = RootedFileSystem(root: root)
        let paths = RollbackPaths(root: rooted.root, grubenv: grubenv)
        let files: any FileSystem = rooted.root == "/" ? LocalFileSystem() : RootedFileSystem(root: rooted.root, namedOutside: [paths.grubenv])
        let timings = EngineTimings()
        let engine = TimedEngine(base: DockerCLI(runner: runner, timeout: Self.dockerTimeout(environment)), timings: timings)
        return RollbackContext(
            store: RollbackStore(paths: paths, files: files), engine: engine,
            prober: HealthProber(runner: runner, engine: engine),
            system: KernelCommandLine(files: files, path: paths.cmdline, runner: runner),
            crashPoints: CrashPoints(variable: "ROLLBACK_CRASH_AT", environment: environment),
            say: { StandardStreams.error("rollback: \($0)\n") },
            engineTimings: timings)
    }

    /// Runs an operation: prints its result (text or JSON), maps errors to their exit codes.
    func perform<Result: Encodable>(_ body: (Rollback) throws(RollbackError) -> Result, text: (Result) -> [String],
                                    exitStatus: (Result) -> ExitStatus = { _ in .success }) throws {
        let result: Result
        do { result = try body(Rollback(context: context())) } catch {
            StandardStreams.error("rollback: error: \(error.description)\n")
            // A script asking for JSON gets JSON on stdout either way.
            if json { writeJSON(ErrorReport(error: error.description, status: error.exitStatus)) }
            throw ExitCode(error.exitStatus.rawValue)
        }
        if json {
            writeJSON(result)
        } else {
            // Lines carry what state files and health checks said: made safe for a terminal.
            for line in text(result) { StandardStreams.output(line.printableText(limit: 4000) + "\n") }
        }
        let status = exitStatus(result)
        if status != .success { throw ExitCode(status.rawValue) }
    }

    static func dockerTimeout(_ environment: [String: String]) -> TimeInterval {
        // A finite number of seconds up to a day; anything else (nan, inf, 1e300) is the default.
        environment["ROLLBACK_DOCKER_TIMEOUT"].flatMap(TimeInterval.init).flatMap { $0.isFinite && $0 > 0 && $0 <= 86_400 ? $0 : nil } ?? 120
    }

    func writeJSON(_ value: some Encodable) {
        StandardStreams.output(CanonicalJSON.encode(value))
    }
}
