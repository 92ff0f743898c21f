import ArgumentParser
import RollbackEngine

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove releases beyond the retained ones, and the images only they use.",
        discussion: "Never removes the current or the previous release, or any image either of them pins.")

    @OptionGroup var options: RollbackOptions

    @Option(help: ArgumentHelp("How many releases to keep (at least 2: current and previous).", valueName: "N"))
    var keep: Int = 2

    @Flag(name: .customLong("dry-run"), help: "Show what would be removed and change nothing.")
    var dryRun = false

    func validate() throws {
        guard (2...1000).contains(keep) else { throw ValidationError("--keep must be 2 to 1000 (current and previous are always kept)") }
    }

    func run() throws {
        try options.perform({ rollback throws(RollbackError) in try rollback.prune(keep: keep, dryRun: dryRun) }, text: { result in
            ["\(result.dryRun ? "would keep" : "kept"): \(result.kept.joined(separator: ", "))",
             "\(result.dryRun ? "would remove" : "removed") releases: \(result.removedReleases.isEmpty ? "none" : result.removedReleases.joined(separator: ", "))",
             "\(result.dryRun ? "would remove" : "removed") images: \(result.removedImages.count)"] + result.removedImages.map { "  \($0)" }
        })
    }
}
