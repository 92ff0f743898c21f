import SiteSpec

/// systemd-networkd `.netdev` / `.network` files, for boxes without netplan. File names are
/// ordered so that members and VLAN parents come before what sits on them.
struct NetworkdRenderer {
    let spec: SiteSpec
    let header: String

    func render() -> [(String, String)] {
        var files: [(String, String)] = []
        let bondOf = Dictionary(spec.network.bonds.flatMap { bond in bond.members.map { ($0, bond) } }, uniquingKeysWith: { a, _ in a })
        let vlansOn = Dictionary(grouping: spec.network.vlans, by: \.link)
        let carriers = NetplanRenderer(spec: spec, header: header).dnsCarriers
        for bond in spec.network.bonds {
            var netdev = ["# \(header)", "[NetDev]", "Name=\(bond.id)", "Kind=bond", "", "[Bond]", "Mode=\(bond.mode)"]
            if bond.mode == "active-backup" { netdev.append("MIIMonitorSec=100ms") }
            files.append(("20-edge-\(bond.id).netdev", netdev.joined(separator: "\n") + "\n"))
        }
        for vlan in spec.network.vlans {
            files.append(("20-edge-\(vlan.id).netdev", ["# \(header)", "[NetDev]", "Name=\(vlan.id)", "Kind=vlan", "", "[VLAN]", "Id=\(vlan.vlanID)"].joined(separator: "\n") + "\n"))
        }
        for interface in spec.network.interfaces {
            var lines = ["# \(header)", "[Match]"]
            switch interface.match {
            case .mac(let mac): lines.append("MACAddress=\(mac)")
            case .name(let name): lines.append("Name=\(name)")
            }
            if let bond = bondOf[interface.id] {
                lines += ["", "[Network]", "Bond=\(bond.id)"]
                if bond.primary == interface.id { lines.append("PrimarySlave=true") }
                if let mtu = interface.addressing.mtu { lines += ["", "[Link]", "MTUBytes=\(mtu)"] }
            } else {
                lines += network(interface.addressing, vlans: vlansOn[interface.id] ?? [], dns: carriers.contains(interface.id))
            }
            files.append(("30-edge-\(interface.id).network", lines.joined(separator: "\n") + "\n"))
        }
        for bond in spec.network.bonds {
            let lines = ["# \(header)", "[Match]", "Name=\(bond.id)"] + network(bond.addressing, vlans: vlansOn[bond.id] ?? [], dns: carriers.contains(bond.id))
            files.append(("40-edge-\(bond.id).network", lines.joined(separator: "\n") + "\n"))
        }
        for vlan in spec.network.vlans {
            let lines = ["# \(header)", "[Match]", "Name=\(vlan.id)"] + network(vlan.addressing, vlans: [], dns: carriers.contains(vlan.id))
            files.append(("50-edge-\(vlan.id).network", lines.joined(separator: "\n") + "\n"))
        }
        return files
    }

    func network(_ addressing: SiteSpec.Addressing, vlans: [SiteSpec.VLAN], dns: Bool) -> [String] {
        let v4 = addressing.ipv4, v6 = addressing.ipv6
        var lines = ["", "[Network]"]
        switch (v4?.mode == .dhcp, v6?.mode == .dhcp) {
        case (true, true): lines.append("DHCP=yes")
        case (true, false): lines.append("DHCP=ipv4")
        case (false, true): lines.append("DHCP=ipv6")
        case (false, false): lines.append("DHCP=no")
        }
        lines.append("IPv6AcceptRA=\(v6 != nil && v6?.mode != .static ? "yes" : "no")")
        if v4 == nil && v6 == nil { lines.append("LinkLocalAddressing=no") }
        for address in (v4?.addresses ?? []) + (v6?.addresses ?? []) { lines.append("Address=\(address)") }
        if dns {
            for server in spec.network.dnsServers { lines.append("DNS=\(server)") }
            if !spec.network.dnsSearch.isEmpty { lines.append("Domains=\(spec.network.dnsSearch.joined(separator: " "))") }
        }
        for vlan in vlans { lines.append("VLAN=\(vlan.id)") }
        for gateway in [v4?.gateway, v6?.gateway].compactMap({ $0 }) {
            lines += ["", "[Route]", "Gateway=\(gateway)"]
        }
        for route in addressing.routes {
            lines += ["", "[Route]", "Destination=\(route.to?.description ?? (route.via.family == .v4 ? "0.0.0.0/0" : "::/0"))", "Gateway=\(route.via)"]
            if let metric = route.metric { lines.append("Metric=\(metric)") }
        }
        var link: [String] = []
        if let mtu = addressing.mtu { link.append("MTUBytes=\(mtu)") }
        if addressing.optional { link.append("RequiredForOnline=no") }
        if !link.isEmpty { lines += ["", "[Link]"] + link }
        return lines
    }
}
