import AgentCommands
import Basics
import Glibc
import Logging
import ProvisionCommands
import RollbackCommands
import ToolMain

/// The box tools in one binary (one copy of the Swift runtime on the box): installed as
/// /usr/libexec/edge-imagesmith/edge-box with `provision` and `rollback` in /usr/bin linking to
/// it. It runs the tool it is called as, or the one named by its first argument (`agent` is the
/// fleet agent, run by edge-fleet-agent.service).
@main
enum EdgeBox {
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        var arguments = Array(CommandLine.arguments.dropFirst())
        var tool = Path.name(CommandLine.arguments.first ?? "")
        let tools = ["provision", "rollback", "agent"]
        if !tools.contains(tool) {
            if arguments == ["--version"] {
                StandardStreams.output(ToolchainVersion.current + "\n")
                exit(0)
            }
            guard let first = arguments.first, tools.contains(first) else {
                StandardStreams.error("""
                    usage: edge-box provision|rollback|agent [ARGUMENTS...]
                           edge-box --version
                      (or run it as `provision` or `rollback` through a link of that name;
                      see /usr/share/doc/edge-imagesmith-box/ and provision(1), rollback(1))

                    """)
                exit(arguments.first.map { ["-h", "--help", "help"].contains($0) } == true ? 0 : 64)
            }
            tool = first
            arguments.removeFirst()
        }
        if tool == "agent" {
            // The agent's log goes to the journal through stderr; stdout is for `agent once`.
            LoggingSystem.bootstrap { label in TerminalSafeLogHandler.standardError(label: label) }
            await ToolMain.run(AgentCommand.self, arguments: arguments)
        } else if tool == "provision" {
            await ToolMain.run(ProvisionCommand.self, arguments: arguments)
        } else {
            await ToolMain.run(RollbackCommand.self, arguments: arguments)
        }
    }
}
