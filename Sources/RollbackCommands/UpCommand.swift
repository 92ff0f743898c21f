import ArgumentParser
import RollbackEngine

struct UpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start the current release's services by digest (what edge-compose.service runs at boot).",
        discussion: "Finishes an interrupted operation first, re-tags every pinned image to its human tag, then `docker compose up -d`.")

    @OptionGroup var options: RollbackOptions

    func run() throws {
        try options.perform({ rollback throws(RollbackError) in try rollback.up() }, text: SwitchText.lines)
    }
}
