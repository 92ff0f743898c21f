import Basics
import ArgumentParser
import BoxConfig
import FoundationEssentials
import HostIO
import SiteSpec
#if canImport(Glibc)
import Glibc
#endif

/// `provision plan SPEC [--root DIR]`: the exact files apply would write, and a diff against
/// what is there now. Changes nothing.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the files provisioning would write and how they differ from what is there; change nothing."
    )

    @OptionGroup var source: SpecSource

    @Option(help: ArgumentHelp("Treat every path as relative to this directory (for image builds and tests).", valueName: "DIR"))
    var root = "/"

    @Option(name: .customLong("network-renderer"), help: "Write netplan or systemd-networkd files.")
    var networkRenderer: BoxConfigurator.NetworkRenderer = .netplan

    func run() async throws {
        let site: SiteSpec
        let rootPrefix = root == "/" ? "" : root
        // plan changes nothing: a URL is fetched but not saved.
        let spec = try await planSpecPath(rootPrefix: rootPrefix)
        do { site = try SpecLoader.load(spec, root: rootPrefix.isEmpty ? nil : rootPrefix) }
        catch {
            StandardStreams.error("provision: \(error.message)\n")
            throw ExitCode(error.status.rawValue)
        }
        let configurator = BoxConfigurator(spec: site, renderer: networkRenderer,
                                           source: Path.name(spec))
        print(PlanReport.render(configurator.plan(for: HostState.read(root: rootPrefix)), root: rootPrefix), terminator: "")
    }
}

extension PlanCommand {
    func planSpecPath(rootPrefix: String) async throws -> String {
        guard source.isURL else { return source.spec }
        do {
            let bytes = try await SpecSource.fetch(source.spec, caFile: source.specCAFile)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edge-plan-\(getpid())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let path = directory.appendingPathComponent("site_spec.json").path
            try AtomicFile.write(bytes, to: path, mode: 0o600)
            return path
        } catch {
            StandardStreams.error("provision: cannot fetch the site spec from \(SpecSource.redacted(source.spec)): \((error as? SpecSource.FetchError)?.message ?? "\(error)")\n")
            throw ExitCode(ExitStatus.unavailable.rawValue)
        }
    }
}

enum PlanReport {
    static func render(_ plan: FilePlan, root: String) -> String {
        var out = ""
        for action in plan.actions {
            let onDisk = root + action.path
            switch action {
            case .write(let path, let contents, let mode):
                let planned = String(decoding: contents, as: UTF8.self)
                let modeText = String(mode, radix: 8)
                if let current = FileManager.default.contents(atPath: onDisk).map({ String(decoding: $0, as: UTF8.self) }) {
                    if current == planned {
                        out += "unchanged  \(path) (\(modeText))\n"
                    } else if path == "/etc/machine-id" {
                        out += "replace    \(path) (\(modeText)): a new random id (the current one is missing or the golden image's)\n"
                    } else {
                        out += "replace    \(path) (\(modeText))\n" + LineDiff.unified(old: current, new: planned, path: path)
                    }
                } else {
                    out += "create     \(path) (\(modeText))\n" + planned.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { "+" + $0 }.joined(separator: "\n") + "\n"
                }
            case .symlink(let path, let target):
                let current = try? FileManager.default.destinationOfSymbolicLink(atPath: onDisk)
                out += current == target ? "unchanged  \(path) -> \(target)\n" : "link       \(path) -> \(target)" + (current.map { " (now -> \($0))" } ?? "") + "\n"
            case .remove(let path, let reason):
                out += FileManager.default.fileExists(atPath: onDisk) ? "remove     \(path): \(reason) (a backup is kept)\n" : ""
            }
        }
        return out
    }
}
