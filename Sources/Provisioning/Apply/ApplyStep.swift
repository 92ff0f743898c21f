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
        try runChanging(site: site, specBytes: specBytes, specName: specName, renderer: renderer, context: context).journal
    }

    /// `run`, and the paths it changed (what the running system must take up).
    package static func runChanging(site: SiteSpec, specBytes: [UInt8], specName: String, renderer: BoxConfigurator.NetworkRenderer,
                                    context: ProvisionContext) throws(ProvisionError) -> (journal: Journal, changed: Set<String>) {
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
        var changed = try applier.apply(plan, journal: &journal)
        // What an earlier spec (or renderer) wrote that this one does not goes back to the image's.
        changed.formUnion(try applier.retire(pathsNotIn: plan, journal: &journal))
        do throws(HostIOError) {
            journal.configured = true
            try journal.save(context)
            context.say("provision: \(site.device.hostname) at \(site.site.id) is configured (\(journal.steps.count) steps durable)")
            return (journal, changed)
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

    /// On a box already running (`apply` on `/`): only what the changed files concern is
    /// brought into effect: the network reloaded when its files changed, the time daemon
    /// restarted (if it runs) when its configuration did, the host name set. Returns what was
    /// done, for the caller to report.
    package static func reconfigure(_ site: SiteSpec, renderer: BoxConfigurator.NetworkRenderer, changed: Set<String>, machineIDReplaced: Bool,
                                    activation: any Activation) throws(ActivationError) -> [String] {
        var done: [String] = []
        for effect in ServiceImpact.effects(of: changed, renderer: renderer) {
            switch effect {
            case .reloadNetwork:
                if renderer == .netplan { try activation.renderNetplan() }
                try activation.reloadNetwork()
                done.append("network reloaded")
            case .restart(let unit):
                if try activation.restartIfRunning(unit) { done.append("restarted \(unit)") }
            }
        }
        try activation.setHostname(site.device.hostname)
        if machineIDReplaced {
            try activation.restartJournal()
            done.append("restarted systemd-journald.service")
        }
        return done
    }
}
