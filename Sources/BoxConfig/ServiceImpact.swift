/// Which running services a changed configuration file concerns: what `provision apply` on a
/// running box brings into effect, and nothing else. Pure: paths in, effects out.
public enum ServiceImpact {
    public enum Effect: Sendable, Equatable {
        /// networkd rereads its files (after netplan renders them).
        case reloadNetwork
        /// The unit is restarted if it runs.
        case restart(String)
    }

    /// In a fixed order (network first), each effect once.
    public static func effects(of changed: Set<String>, renderer: BoxConfigurator.NetworkRenderer) -> [Effect] {
        var effects: [Effect] = []
        let network = changed.contains { $0.hasPrefix("/etc/netplan/") || $0.hasPrefix("/etc/systemd/network/") }
        if network { effects.append(.reloadNetwork) }
        if changed.contains("/etc/chrony/chrony.conf") { effects.append(.restart("chrony.service")) }
        if changed.contains(where: { $0.hasPrefix("/etc/systemd/timesyncd.conf.d/") }) { effects.append(.restart("systemd-timesyncd.service")) }
        return effects
    }
}
