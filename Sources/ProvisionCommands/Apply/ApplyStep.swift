import ArgumentParser
import Basics
import BoxConfig
import FoundationEssentials
import Hashing
import HostIO
import SiteSpec

/// The configuration steps `apply` and `first-boot` share: plan the files for the spec and
/// write them crash-safely, journaling each step after it is durable.
enum ApplyStep {
    /// Returns the journal as saved (configured). Exits 73 when a write fails.
    static func run(site: SiteSpec, specPath: String, root: String, renderer: BoxConfigurator.NetworkRenderer,
                    environment: [String: String]) throws -> Journal {
        do {
            let specSHA = try Hash.fileHex(at: specPath)
            var journal = Journal.load(root: root) ?? Journal(specSHA256: specSHA, steps: [:], configured: false,
                                                              registration: .init(state: .pending, attempts: 0))
            if journal.specSHA256 != specSHA {
                journal.specSHA256 = specSHA
                journal.configured = false
            }
            let applier = Applier(root: root, crashPoints: CrashPoints(variable: "PROVISION_CRASH_AT", environment: environment))
            try AtomicFile.makeDirectory(applier.stateDirectory, mode: 0o700)
            applier.removeStaleStateTemporaries()
            var host = HostState.read(root: root)
            // The new machine id is chosen once and kept, so a re-run after a crash writes the
            // same one instead of another.
            host.newMachineID = try Identity.machineIDCandidate(stateDirectory: applier.stateDirectory)
            let configurator = BoxConfigurator(spec: site, renderer: renderer, source: Path.name(specPath))
            try applier.apply(configurator.plan(for: host), journal: &journal)
            journal.configured = true
            try journal.save(root: root)
            print("provision: \(site.device.hostname) at \(site.site.id) is configured (\(journal.steps.count) steps durable)")
            return journal
        } catch let error as HostIOError {
            StandardStreams.error("provision: \(error)\n")
            throw ExitCode(ExitStatus.cannotWrite.rawValue)
        } catch let error as HashingError {
            StandardStreams.error("provision: \(error)\n")
            throw ExitCode(ExitStatus.noInput.rawValue)
        }
    }
}

enum Identity {
    /// A machine id candidate stored in the state directory before it is used.
    static func machineIDCandidate(stateDirectory: String) throws -> String {
        let path = stateDirectory + "/machine-id.new"
        if let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self).trimmed
            if text.count == 32, text.allSatisfy(\.isHexDigit) { return text }
        }
        let fresh = HostState.randomMachineID()
        try AtomicFile.write(Array((fresh + "\n").utf8), to: path, mode: 0o600)
        return fresh
    }
}
