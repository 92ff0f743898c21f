import Basics
import BoxConfig
import HostIO
import SiteSpec

/// The rules of the first boot over its seams (the file system, the volume, the running
/// system).
package struct FirstBoot {
    package var context: ProvisionContext
    package var specPath: String
    package var renderer: BoxConfigurator.NetworkRenderer
    package var volume: SiteVolume
    package var volumeWait: Double
    /// nil when the configuration is written under a directory root (nothing to activate).
    package var activation: (any Activation)?

    package init(context: ProvisionContext, specPath: String, renderer: BoxConfigurator.NetworkRenderer, volume: SiteVolume,
                 volumeWait: Double, activation: (any Activation)?) {
        self.context = context
        self.specPath = specPath
        self.renderer = renderer
        self.volume = volume
        self.volumeWait = volumeWait
        self.activation = activation
    }

    /// The exit status; what went wrong has been said through the context.
    package func run() -> ExitStatus {
        let files = context.files
        if ProvisionMarkers.exists(ProvisionMarkers.configured, context) {
            context.say("provision: already configured (\(ProvisionMarkers.configured) exists); nothing to do")
            return .success
        }
        let saved = context.path(specPath)
        let haveLocal = files.isFile(saved)
        let site: SiteSpec
        let specBytes: [UInt8]
        let source: String
        do {
            if let found = try volume.read(wait: haveLocal ? 0 : volumeWait) {
                // Checked before anything is written: a bad stick changes nothing on the box.
                do { site = try SpecLoader.parse(found.bytes, name: found.name, context: context) }
                catch {
                    context.warn("provision: \(error.description)")
                    context.warn("provision: the site spec on \(found.label) is invalid; nothing was changed (fix the file on the volume and reboot, or run provision first-boot again)")
                    return error.exitStatus
                }
                do {
                    try files.makeDirectory(Path.parent(saved), mode: 0o755)
                    try files.write(found.bytes, to: saved, mode: 0o600)
                } catch {
                    context.warn("provision: cannot save the site spec from \(found.label): \(error)")
                    return .cannotWrite
                }
                specBytes = found.bytes
                source = found.name
                context.say("provision: using \(found.name); saved as \(specPath)")
            } else if haveLocal {
                do {
                    let loaded = try SpecLoader.load(saved, context: context)
                    site = loaded.spec
                    specBytes = loaded.bytes
                } catch {
                    context.warn("provision: \(error.description)")
                    return error.exitStatus
                }
                source = specPath
                context.say("provision: using \(specPath) (no volume labelled \(volume.labels.joined(separator: " or ")) is attached)")
            } else {
                context.warn("provision: no site spec: no volume labelled \(volume.labels.joined(separator: " or ")) appeared within \(Int(volumeWait)) s and \(specPath) does not exist; attach the site's volume and reboot, or run provision apply with the spec (a path or an https URL)")
                return .noInput
            }
        } catch {
            context.warn("provision: \(error.description); nothing was changed")
            return .noInput
        }

        let machineIDBefore = files.contents(context.path("/etc/machine-id"))
        let journal: Journal
        do { journal = try ApplyStep.run(site: site, specBytes: specBytes, specName: Path.name(saved), renderer: renderer, context: context) }
        catch {
            context.warn("provision: \(error.description)")
            return error.exitStatus
        }
        let machineIDReplaced = files.contents(context.path("/etc/machine-id")) != machineIDBefore

        if let activation {
            do { try ApplyStep.activate(site, renderer: renderer, machineIDReplaced: machineIDReplaced, activation: activation) }
            catch {
                context.warn("provision: the configuration is written but not in effect for this boot: \(error.description); it takes effect at the next boot")
                return .failure
            }
        } else {
            context.say("provision: written under \(context.root); nothing brought into effect on this machine")
        }
        do {
            try ProvisionMarkers.write(ProvisionMarkers.configured, context, detail: "site \(site.site.id) spec sha256 \(journal.specSHA256)")
        } catch {
            context.warn("provision: configured, but cannot record it: \(error)")
            return .cannotWrite
        }
        // Said again at the end: with a replaced machine id, the lines above went to the journal
        // of the old id.
        context.say("provision: first boot done: \(site.device.hostname) at \(site.site.id) from \(source)"
              + (machineIDReplaced ? "; the machine id was replaced (it was missing, malformed or the golden image's)" : "")
              + "; registration follows once the network is online")
        return .success
    }
}
