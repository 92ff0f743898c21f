import ArgumentParser
import RollbackEngine
import Basics

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List every retained release, newest first.")

    @OptionGroup var options: RollbackOptions

    struct Listing: Encodable {
        var releases: [Rollback.ReleaseSummary]
        var problems: [String]
    }

    func run() throws {
        try options.perform({ rollback throws(RollbackError) in
            let (releases, problems) = rollback.list()
            return Listing(releases: releases, problems: problems)
        }, text: { listing in
            listing.releases.map { release in
                "\(release.version)\t\(release.role ?? "-")\t\(release.health)\tOS \(release.osVersion) slot \(release.osSlot)\tinstalled \(release.installedAt)"
            } + listing.problems.map { "problem: \($0)" }
        }, exitStatus: { $0.problems.isEmpty ? .success : .failure })
    }
}
