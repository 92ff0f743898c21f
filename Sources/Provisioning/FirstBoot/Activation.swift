/// Brings written configuration into effect for the boot in progress: the network files
/// rendered for systemd-networkd (netplan's generator ran before the spec's file existed), the
/// running host name (systemd set it from the image's /etc/hostname), and, when the machine id
/// was replaced, the journal (journald keeps the id it started with and files this boot under
/// it, where `journalctl` would no longer look).
package protocol Activation: Sendable {
    func renderNetplan() throws(ActivationError)
    func setHostname(_ name: String) throws(ActivationError)
    func restartJournal() throws(ActivationError)
    /// networkd rereads its files and reconfigures the links whose files changed.
    func reloadNetwork() throws(ActivationError)
    /// Restarts `unit` if it is running; false when it was not (nothing started).
    func restartIfRunning(_ unit: String) throws(ActivationError) -> Bool
}

package struct ActivationError: Error, CustomStringConvertible {
    package var description: String
    package init(description: String) { self.description = description }
}
