import ImagesmithCommands
import Logging

@main
enum Imagesmith {
    static func main() async {
        LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
        await ImagesmithCommand.main()
    }
}
