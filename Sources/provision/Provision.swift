import Foundation
import ProvisionCommands
import ToolMain

@main
enum Provision {
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        await ToolMain.run(ProvisionCommand.self)
    }
}
