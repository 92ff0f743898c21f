import SiteSpec

/// netplan v2 YAML (renderer networkd). Every scalar is quoted; keys come in a fixed order.
struct NetplanRenderer {
    let spec: SiteSpec
    let header: String

    /// Interfaces that get the DNS settings: those with a default route (or the first one).
    var dnsCarriers: Set<String> {
        let all = spec.network.interfaces.map { ($0.id, $0.addressing) } + spec.network.bonds.map { ($0.id, $0.addressing) } + spec.network.vlans.map { ($0.id, $0.addressing) }
        let withDefault = all.filter { $0.1.ipv4?.gateway != nil || $0.1.ipv6?.gateway != nil || $0.1.routes.contains { $0.to == nil } }.map(\.0)
        if !withDefault.isEmpty { return Set(withDefault) }
        return Set(all.filter { $0.1.carriesIP }.prefix(1).map(\.0))
    }

    func render() -> String {
        var lines = ["# \(header)", "network:", "  version: 2", "  renderer: networkd"]
        let members = Set(spec.network.bonds.flatMap(\.members))
        let carriers = dnsCarriers
        if !spec.network.interfaces.isEmpty {
            lines.append("  ethernets:")
            for interface in spec.network.interfaces {
                lines.append("    \(quoted(interface.id)):")
                switch interface.match {
                case .mac(let mac): lines += ["      match:", "        macaddress: \(quoted(mac))"]
                case .name(let name): lines += ["      match:", "        name: \(quoted(name))"]
                }
                if members.contains(interface.id) {
                    lines += ["      dhcp4: false", "      dhcp6: false"]
                    if let mtu = interface.addressing.mtu { lines.append("      mtu: \(mtu)") }
                } else {
                    lines += addressing(interface.addressing, dns: carriers.contains(interface.id), indent: "      ")
                }
            }
        }
        if !spec.network.bonds.isEmpty {
            lines.append("  bonds:")
            for bond in spec.network.bonds {
                lines.append("    \(quoted(bond.id)):")
                lines.append("      interfaces: [\(bond.members.map(quoted).joined(separator: ", "))]")
                lines.append("      parameters:")
                lines.append("        mode: \(quoted(bond.mode))")
                if let primary = bond.primary { lines.append("        primary: \(quoted(primary))") }
                lines += addressing(bond.addressing, dns: carriers.contains(bond.id), indent: "      ")
            }
        }
        if !spec.network.vlans.isEmpty {
            lines.append("  vlans:")
            for vlan in spec.network.vlans {
                lines.append("    \(quoted(vlan.id)):")
                lines.append("      id: \(vlan.vlanID)")
                lines.append("      link: \(quoted(vlan.link))")
                lines += addressing(vlan.addressing, dns: carriers.contains(vlan.id), indent: "      ")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func addressing(_ addressing: SiteSpec.Addressing, dns: Bool, indent: String) -> [String] {
        var lines: [String] = []
        let v4 = addressing.ipv4, v6 = addressing.ipv6
        lines.append("\(indent)dhcp4: \(v4?.mode == .dhcp)")
        lines.append("\(indent)dhcp6: \(v6?.mode == .dhcp)")
        if let v6 { lines.append("\(indent)accept-ra: \(v6.mode != .static)") }
        let addresses = (v4?.addresses ?? []) + (v6?.addresses ?? [])
        if !addresses.isEmpty { lines.append("\(indent)addresses: [\(addresses.map { quoted($0.description) }.joined(separator: ", "))]") }
        var routes: [(to: String, via: String, metric: Int?)] = []
        for gateway in [v4?.gateway, v6?.gateway].compactMap({ $0 }) { routes.append(("default", gateway.description, nil)) }
        for route in addressing.routes { routes.append((route.to?.description ?? "default", route.via.description, route.metric)) }
        if !routes.isEmpty {
            lines.append("\(indent)routes:")
            for route in routes {
                lines.append("\(indent)  - to: \(quoted(route.to))")
                lines.append("\(indent)    via: \(quoted(route.via))")
                if let metric = route.metric { lines.append("\(indent)    metric: \(metric)") }
            }
        }
        if dns && (!spec.network.dnsServers.isEmpty || !spec.network.dnsSearch.isEmpty) {
            lines.append("\(indent)nameservers:")
            if !spec.network.dnsServers.isEmpty { lines.append("\(indent)  addresses: [\(spec.network.dnsServers.map { quoted($0.description) }.joined(separator: ", "))]") }
            if !spec.network.dnsSearch.isEmpty { lines.append("\(indent)  search: [\(spec.network.dnsSearch.map(quoted).joined(separator: ", "))]") }
        }
        if let mtu = addressing.mtu { lines.append("\(indent)mtu: \(mtu)") }
        if addressing.optional { lines.append("\(indent)optional: true") }
        return lines
    }
}
