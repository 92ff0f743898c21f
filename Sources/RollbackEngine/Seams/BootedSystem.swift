import Release

/// What the running system says about its own boot, and how to leave it: the slot GRUB
/// booted (`edge.slot=` on the kernel command line) and a reboot request.
package protocol BootedSystem: Sendable {
    /// The slot the running system booted from, when GRUB said.
    func bootedSlot() -> Slot?
    /// Asks for a reboot; nil when it was accepted, else why not.
    func reboot() -> String?
}
