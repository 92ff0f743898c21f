import Foundation
import ProvisionCommands

@main
enum Provision {
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        await ProvisionCommand.main()
    }
}
