import Basics
import BoxConfig
import FoundationEssentials
import HostIO
import SiteSpec

/// The rules of the first boot over its seams (the volume, the running system).
struct FirstBoot {
    var root: String
    var specPath: String
    var renderer: BoxConfigurator.NetworkRenderer
    var volume: SiteVolume
    var volumeWait: Double
    /// nil when the configuration is written under a directory root (nothing to activate).
    var activation: (any Activation)?
    var environment: [String: String]

    /// The exit status; throws `ExitCode` for the failures `ApplyStep` reports itself.
    func run() throws -> ExitStatus {
        if ProvisionMarkers.exists(ProvisionMarkers.configured, root: root) {
            print("provision: already configured (\(ProvisionMarkers.configured) exists); nothing to do")
            return .success
        }
        let saved = root + specPath
        let haveLocal = FileInfo.isRegularFile(saved)
        let site: SiteSpec
        let source: String
        do {
            if let found = try volume.read(wait: haveLocal ? 0 : volumeWait) {
                // Checked before anything is written: a bad stick changes nothing on the box.
                do { site = try SpecLoader.parse(found.bytes, name: found.name, root: root.isEmpty ? nil : root) }
                catch {
                    StandardStreams.error("provision: \(error.message)\n")
                    StandardStreams.error("provision: the site spec on \(found.label) is invalid; nothing was changed (fix the file on the volume and reboot, or run provision first-boot again)\n")
                    return error.status
                }
                do {
                    try AtomicFile.makeDirectory(Path.parent(saved))
                    try AtomicFile.write(found.bytes, to: saved, mode: 0o600)
                } catch {
                    StandardStreams.error("provision: cannot save the site spec from \(found.label): \(error)\n")
                    return .cannotWrite
                }
                source = found.name
                print("provision: using \(found.name); saved as \(specPath)")
            } else if haveLocal {
                do { site = try SpecLoader.load(saved, root: root.isEmpty ? nil : root) }
                catch {
                    StandardStreams.error("provision: \(error.message)\n")
                    return error.status
                }
                source = specPath
                print("provision: using \(specPath) (no volume labelled \(volume.labels.joined(separator: " or ")) is attached)")
            } else {
                StandardStreams.error("provision: no site spec: no volume labelled \(volume.labels.joined(separator: " or ")) appeared within \(Int(volumeWait)) s and \(specPath) does not exist; attach the site's volume and reboot, or run provision apply with the spec (a path or an https URL)\n")
                return .noInput
            }
        } catch {
            StandardStreams.error("provision: \(error.description); nothing was changed\n")
            return .noInput
        }

        let machineIDBefore = FileManager.default.contents(atPath: root + "/etc/machine-id")
        let journal = try ApplyStep.run(site: site, specPath: saved, root: root, renderer: renderer, environment: environment)
        let machineIDReplaced = FileManager.default.contents(atPath: root + "/etc/machine-id") != machineIDBefore

        if let activation {
            do {
                if renderer == .netplan { try activation.renderNetplan() }
                try activation.setHostname(site.device.hostname)
                if machineIDReplaced { try activation.restartJournal() }
            } catch {
                StandardStreams.error("provision: the configuration is written but not in effect for this boot: \(error.description); it takes effect at the next boot\n")
                return .failure
            }
        } else {
            print("provision: written under \(root); nothing brought into effect on this machine")
        }
        do {
            try ProvisionMarkers.write(ProvisionMarkers.configured, root: root, detail: "site \(site.site.id) spec sha256 \(journal.specSHA256)")
        } catch {
            StandardStreams.error("provision: configured, but cannot record it: \(error)\n")
            return .cannotWrite
        }
        // Said again at the end: with a replaced machine id, the lines above went to the journal
        // of the old id.
        print("provision: first boot done: \(site.device.hostname) at \(site.site.id) from \(source)"
              + (machineIDReplaced ? "; the machine id was replaced (it was missing, malformed or the golden image's)" : "")
              + "; registration follows once the network is online")
        return .success
    }
}
