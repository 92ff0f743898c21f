import ArgumentParser
import Basics
#if canImport(Glibc)
import Glibc
#endif

/// How the three tools start: parse, run, and exit with the documented status, as
/// ArgumentParser's `main` does, but a command given `--json` gets JSON on stdout in every
/// outcome, an argument the parser refuses (64) included. Errors a command reports itself
/// (it throws `ExitCode` after printing its own JSON) are not reported twice.
public enum ToolMain {
    public static func run<Root: ParsableCommand>(_ root: Root.Type, arguments: [String]? = nil) async -> Never {
        let words = arguments ?? Array(CommandLine.arguments.dropFirst())
        do {
            var command = try root.parseAsRoot(words)
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch {
            let code = root.exitCode(for: error)
            if wantsJSON(words), !(error is ExitCode), code.rawValue != 0 {
                let message = root.message(for: error).trimmed
                StandardStreams.output(CanonicalJSON.encode(ErrorReport(error: message.printableText(limit: 2000), exitCode: code.rawValue)))
            }
            // ArgumentParser's own messages (a value it refuses, a failed validation) quote the
            // arguments: they go out through the same sink as every other message (no password
            // given inside an argument, no control character). Help and --version are its own.
            guard code.rawValue != 0 else { root.exit(withError: error) }
            let message = root.fullMessage(for: error)
            if !message.isEmpty { StandardStreams.error(message + "\n") }
            exit(code.rawValue)
        }
    }

    /// `--json` among the options (before a `--` that ends them).
    static func wantsJSON(_ words: [String]) -> Bool {
        for word in words {
            if word == "--" { return false }
            if word == "--json" { return true }
        }
        return false
    }
}
