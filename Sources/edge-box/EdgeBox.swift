import Basics
import Glibc
import ProvisionCommands
import RollbackCommands
import ToolMain

/// The box tools in one binary (one copy of the Swift runtime on the box): installed as
/// /usr/libexec/edge-imagesmith/edge-box with `provision` and `rollback` in /usr/bin linking to
/// it. It runs the tool it is called as, or the one named by its first argument.
@main
enum EdgeBox {
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        var arguments = Array(CommandLine.arguments.dropFirst())
        var tool = Path.name(CommandLine.arguments.first ?? "")
        if tool != "provision" && tool != "rollback" {
            guard let first = arguments.first, first == "provision" || first == "rollback" else {
                StandardStreams.error("""
                    usage: edge-box provision|rollback [ARGUMENTS...]
                      (or run it as `provision` or `rollback` through a link of that name)

                    """)
                exit(arguments.first.map { ["-h", "--help", "help"].contains($0) } == true ? 0 : 64)
            }
            tool = first
            arguments.removeFirst()
        }
        if tool == "provision" {
            await ToolMain.run(ProvisionCommand.self, arguments: arguments)
        } else {
            await ToolMain.run(RollbackCommand.self, arguments: arguments)
        }
    }
}
