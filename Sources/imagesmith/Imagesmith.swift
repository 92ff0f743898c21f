import ImagesmithCommands
import Foundation
import Logging
import ToolMain

@main
enum Imagesmith {
    static func main() async {
        // A peer that closes a socket or pipe early must give an error, not kill the process.
        signal(SIGPIPE, SIG_IGN)
        LoggingSystem.bootstrap { label in TerminalSafeLogHandler.standardError(label: label) }
        await ToolMain.run(ImagesmithCommand.self)
    }
}
