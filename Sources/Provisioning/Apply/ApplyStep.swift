import Basics
import BoxConfig
import Hashing
import HostIO
import SiteSpec

/// The configuration steps `apply` and `first-boot` share: plan the files for the spec and
/// write them crash-safely, journaling each step after it is durable.
package enum ApplyStep {
    /// Returns the journal as saved (configured). `specBytes` are the spec as read (its sha256
    /// names the configuration in the journal); `specName` is how the rendered files cite it.
    package static func run(site: SiteSpec, specBytes: [UInt8], specName: String, renderer: BoxConfigurator.NetworkRenderer,
                            context: ProvisionContext) throws(ProvisionError) -> Journal {
        // Checked before anything is written, as the spec's own validity was.
        try ImageFit.check(site, bytes: specBytes, name: specName, context: context)
        let specSHA = try Applier.hex(specBytes)
        var journal = Journal.load(context) ?? Journal(specSHA256: specSHA, steps: [:], configured: false,
                                                      registration: .init(state: .pending, attempts: 0))
        if journal.specSHA256 != specSHA {
            journal.specSHA256 = specSHA
            journal.configured = false
        }
        let applier = Applier(context: context)
        var host: BoxConfigurator.Host
        do throws(HostIOError) {
            try context.files.makeDirectory(applier.stateDirectory, mode: 0o700)
            applier.removeStaleStateTemporaries()
            host = HostState.read(context)
            // The new machine id is chosen once and kept, so a re-run after a crash writes the
            // same one instead of another.
            host.newMachineID = try Identity.machineIDCandidate(context)
        } catch {
            throw .cannotWrite(error.description)
        }
        let configurator = BoxConfigurator(spec: site, renderer: renderer, source: specName)
        let plan = configurator.plan(for: host)
        try applier.apply(plan, journal: &journal)
        // What an earlier spec (or renderer) wrote that this one does not goes back to the image's.
        try applier.retire(pathsNotIn: plan, journal: &journal)
        do throws(HostIOError) {
            journal.configured = true
            try journal.save(context)
            context.say("provision: \(site.device.hostname) at \(site.site.id) is configured (\(journal.steps.count) steps durable)")
            return journal
        } catch {
            throw .cannotWrite(error.description)
        }
    }
}

extension ApplyStep {
    /// Brings a configuration just written into effect on the running system (the live root
    /// only): netplan's network files rendered, the running host name set (not only
    /// /etc/hostname), the journal restarted after a machine-id change. What `first-boot` and
    /// `apply` on `/` share.
    package static func activate(_ site: SiteSpec, renderer: BoxConfigurator.NetworkRenderer, machineIDReplaced: Bool,
                                 activation: any Activation) throws(ActivationError) {
        if renderer == .netplan { try activation.renderNetplan() }
        try activation.setHostname(site.device.hostname)
        if machineIDReplaced { try activation.restartJournal() }
    }
}
