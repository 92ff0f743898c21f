import Basics
extension SiteSpec {
    /// Parses and validates a spec. `timezoneExists` says whether the zoneinfo database has a
    /// zone (the adapter looks in /usr/share/zoneinfo); `file` names the spec in every issue.
    public static func parse(_ bytes: [UInt8], file: String, timezoneExists: @escaping (String) -> Bool) throws(SpecError) -> SiteSpec {
        let collector = IssueCollector(file: file)
        let root: PositionedJSON
        do { root = try JSONReader.parse(bytes) }
        catch { throw SpecError(issues: [PositionedIssue(file: file, position: error.position, pointer: "", message: "invalid JSON: \(error.message)")]) }
        let spec = Decoder(collector: collector, timezoneExists: timezoneExists).decode(SpecNode(json: root, pointer: "", collector: collector))
        if let spec, collector.issues.isEmpty { return spec }
        throw SpecError(issues: collector.issues.isEmpty
            ? [PositionedIssue(file: file, position: root.position, pointer: "", message: "the spec is incomplete")]
            : collector.issues)
    }

    struct Decoder {
        let collector: IssueCollector
        let timezoneExists: (String) -> Bool

        func decode(_ root: SpecNode) -> SiteSpec? {
            guard let top = root.mapping(allowed: ["schema_version", "site", "device", "network", "time", "hosts", "registration", "labels"],
                                        required: ["schema_version", "site", "device", "network", "time", "registration"]) else { return nil }
            if let version = top["schema_version"], let text = version.string(), text != SiteSpec.schemaVersion {
                version.issue("schema_version '\(text)' is not supported; expected \"\(SiteSpec.schemaVersion)\"")
            }
            let site = top["site"].flatMap(decodeSite)
            let device = top["device"].flatMap(decodeDevice)
            let network = top["network"].flatMap(decodeNetwork)
            let time = top["time"].flatMap(decodeTime)
            let hosts = top["hosts"].map(decodeHosts) ?? []
            let registration = top["registration"].flatMap(decodeRegistration)
            let labels = top["labels"].map(decodeLabels) ?? [:]
            guard let site, let device, let network, let time, let registration else { return nil }
            return SiteSpec(site: site, device: device, network: network, time: time, hosts: hosts, registration: registration, labels: labels)
        }

        func decodeSite(_ node: SpecNode) -> Site? {
            guard let map = node.mapping(allowed: ["id", "name", "timezone"], required: ["id", "name", "timezone"]) else { return nil }
            let id = map["id"]?.string(where: { Names.isHostnameLabel($0) }) { "'\($0)' is not a site id; expected lower-case letters, digits and '-'" }
            let name = map["name"]?.string(where: { !$0.isEmpty && $0.count <= 200 && !$0.hasControlCharacters }) { _ in
                "expected a name on one line: 1-200 characters, no control characters"
            }
            let timezone = map["timezone"]?.string(where: { Names.isZoneName($0) && timezoneExists($0) }) {
                "'\($0)' is not a time zone in the zoneinfo database; expected a name such as America/Chicago or UTC"
            }
            guard let id, let name, let timezone else { return nil }
            return Site(id: id, name: name, timezone: timezone)
        }

        func decodeDevice(_ node: SpecNode) -> Device? {
            guard let map = node.mapping(allowed: ["hostname", "domain"], required: ["hostname"]) else { return nil }
            let hostname = map["hostname"]?.string(where: Names.isHostnameLabel) {
                "'\($0)' is not a valid hostname; expected a lower-case RFC 1123 label: letters, digits and '-', at most 63, not starting or ending with '-'"
            }
            let domain = map["domain"]?.string(where: Names.isDomainName) { "'\($0)' is not a valid DNS domain" }
            guard let hostname else { return nil }
            if map["domain"] != nil && domain == nil { return nil }
            return Device(hostname: hostname, domain: domain)
        }

        // MARK: Network

        static let addressingKeys = ["ipv4", "ipv6", "routes", "mtu", "optional"]

        func decodeAddressing(_ map: NodeFields<SpecNode>) -> Addressing? {
            let ipv4 = map["ipv4"].flatMap { decodeAddressConfig($0, family: .v4) }
            let ipv6 = map["ipv6"].flatMap { decodeAddressConfig($0, family: .v6) }
            let routes = map["routes"].map(decodeRoutes) ?? []
            let mtu = map["mtu"].map { $0.int(in: 576...9216) } ?? nil
            let optional = map["optional"].map { $0.bool() } ?? false
            if map["ipv4"] != nil && ipv4 == nil || map["ipv6"] != nil && ipv6 == nil || map["mtu"] != nil && mtu == nil { return nil }
            guard let optional else { return nil }
            return Addressing(ipv4: ipv4, ipv6: ipv6, routes: routes, mtu: mtu, optional: optional)
        }

        func decodeAddressConfig(_ node: SpecNode, family: IPAddress.Family) -> AddressConfig? {
            guard let map = node.mapping(allowed: ["mode", "addresses", "gateway"], required: ["mode"]) else { return nil }
            let modes = family == .v4 ? ["dhcp", "static"] : ["dhcp", "ra", "static"]
            let mode = map["mode"]?.string(where: modes.contains) { "'\($0)' is not a \(family.rawValue) mode; expected one of: \(modes.joined(separator: ", "))" }
                .flatMap(AddressConfig.Mode.init(rawValue:))
            var addresses: [InterfaceAddress] = []
            for item in map["addresses"]?.sequence() ?? [] {
                guard let address = item.interfaceAddress() else { continue }
                guard address.family == family else { item.issue("'\(address)' is not an \(family.rawValue) address"); continue }
                addresses.append(address)
            }
            var gateway: IPAddress?
            if let node = map["gateway"], let address = node.ip() {
                if address.family != family { node.issue("'\(address)' is not an \(family.rawValue) address") }
                else if !addresses.contains(where: { $0.contains(address) }) {
                    node.issue("gateway \(address) is not inside any of this interface's \(family.rawValue) subnets (\(addresses.map(\.description).joined(separator: ", ")))")
                } else { gateway = address }
            }
            guard let mode else { return nil }
            if mode == .static && (map["addresses"]?.sequence()?.isEmpty ?? true) {
                node.issue("static mode needs at least one address in 'addresses'")
            }
            if mode != .static {
                if let addresses = map["addresses"], addresses.sequence()?.isEmpty == false { addresses.issue("addresses are only allowed with mode \"static\"") }
                if let gateway = map["gateway"] { gateway.issue("a gateway is only allowed with mode \"static\"") }
            }
            return AddressConfig(mode: mode, addresses: addresses, gateway: gateway)
        }

        func decodeRoutes(_ node: SpecNode) -> [Route] {
            (node.sequence() ?? []).compactMap { item in
                guard let map = item.mapping(allowed: ["to", "via", "metric"], required: ["to", "via"]) else { return nil }
                var to: InterfaceAddress?
                var isDefault = false
                if let toNode = map["to"], let text = toNode.string() {
                    if text == "default" { isDefault = true }
                    else if let address = InterfaceAddress(text) { to = address; isDefault = address.isDefaultRoute }
                    else { toNode.issue("'\(text)' is not a destination; expected \"default\" or a network such as 10.30.0.0/16") }
                }
                let via = map["via"]?.ip()
                let metric = map["metric"].map { $0.int(in: 0...4_294_967_295) } ?? nil
                guard let via, to != nil || isDefault else { return nil }
                if let to, to.family != via.family { map["via"]?.issue("via \(via) is \(via.family.rawValue) but the destination \(to) is not") ; return nil }
                return Route(to: isDefault ? nil : to, via: via, metric: metric)
            }
        }

        func decodeNetwork(_ node: SpecNode) -> Network? {
            guard let map = node.mapping(allowed: ["interfaces", "vlans", "bonds", "dns"], required: ["interfaces"]) else { return nil }
            var idNodes: [String: SpecNode] = [:]
            func claim(_ id: String, _ node: SpecNode) -> Bool {
                if idNodes[id] != nil { node.issue("id '\(id)' is already used by another interface, VLAN or bond"); return false }
                idNodes[id] = node
                return true
            }
            var interfaces: [Interface] = []
            var interfaceNodes: [String: SpecNode] = [:]
            var matches: [Interface.Match: SpecNode] = [:]
            for item in map["interfaces"]?.sequence() ?? [] {
                guard let fields = item.mapping(allowed: ["id", "match"] + Self.addressingKeys, required: ["id", "match"]) else { continue }
                let id = fields["id"]?.string(where: Names.isInterfaceName) { "'\($0)' is not a valid id; expected 1-15 letters, digits, '-', '_' or '.'" }
                var match: Interface.Match?
                if let matchNode = fields["match"], let matchMap = matchNode.mapping(allowed: ["mac", "name"]) {
                    switch (matchMap["mac"], matchMap["name"]) {
                    case (let mac?, nil):
                        match = mac.string(where: Names.isMAC) { "'\($0)' is not a MAC address; expected six hex pairs such as 00:11:22:33:44:55" }.map { .mac($0.lowercased()) }
                    case (nil, let name?):
                        match = name.string(where: Names.isInterfaceName) { "'\($0)' is not an interface name" }.map { .name($0) }
                    default:
                        matchNode.issue("expected exactly one of 'mac' or 'name'")
                    }
                    if let match, let previous = matches[match] {
                        matchNode.issue("another interface (at \(previous.position)) already matches the same device")
                    } else if let match { matches[match] = matchNode }
                }
                let addressing = decodeAddressing(fields)
                guard let id, claim(id, fields["id"]!), let match, let addressing else { continue }
                interfaces.append(Interface(id: id, match: match, addressing: addressing))
                interfaceNodes[id] = item
            }
            if (map["interfaces"]?.sequence()?.isEmpty ?? false) { map["interfaces"]?.issue("expected at least one interface") }

            var bonds: [Bond] = []
            var bondOf: [String: String] = [:]
            for item in map["bonds"]?.sequence() ?? [] {
                guard let fields = item.mapping(allowed: ["id", "members", "mode", "primary"] + Self.addressingKeys, required: ["id", "members", "mode"]) else { continue }
                let id = fields["id"]?.string(where: Names.isInterfaceName) { "'\($0)' is not a valid id; expected 1-15 letters, digits, '-', '_' or '.'" }
                let mode = fields["mode"]?.string(where: Bond.modes.contains) { "'\($0)' is not a bond mode; expected one of: \(Bond.modes.joined(separator: ", "))" }
                var members: [String] = []
                for memberNode in fields["members"]?.sequence() ?? [] {
                    guard let member = memberNode.string() else { continue }
                    guard let interface = interfaces.first(where: { $0.id == member }) else {
                        memberNode.issue("'\(member)' is not an interface id; expected one of: \(interfaces.map(\.id).joined(separator: ", "))")
                        continue
                    }
                    if let other = bondOf[member] {
                        memberNode.issue("interface '\(member)' is already a member of bond '\(other)'")
                        continue
                    }
                    if interface.addressing.carriesIP {
                        memberNode.issue("interface '\(member)' carries IP configuration; bond members must not (put it on the bond)")
                    }
                    members.append(member)
                    if let id { bondOf[member] = id }
                }
                if fields["members"]?.sequence()?.isEmpty == true { fields["members"]?.issue("a bond needs at least one member") }
                let primary = fields["primary"]?.string(where: members.contains) { "primary '\($0)' is not one of the bond's members" }
                if primary != nil, mode != "active-backup" { fields["primary"]?.issue("primary is only meaningful with mode active-backup") }
                let addressing = decodeAddressing(fields)
                guard let id, claim(id, fields["id"]!), let mode, let addressing else { continue }
                bonds.append(Bond(id: id, members: members, mode: mode, primary: primary, addressing: addressing))
            }

            var vlans: [VLAN] = []
            var vlanIDsPerLink: [String: Set<Int>] = [:]
            for item in map["vlans"]?.sequence() ?? [] {
                guard let fields = item.mapping(allowed: ["id", "link", "vlan_id"] + Self.addressingKeys, required: ["id", "link", "vlan_id"]) else { continue }
                let id = fields["id"]?.string(where: Names.isInterfaceName) { "'\($0)' is not a valid id; expected 1-15 letters, digits, '-', '_' or '.'" }
                let linkIDs = interfaces.map(\.id) + bonds.map(\.id)
                let link = fields["link"]?.string(where: linkIDs.contains) { "'\($0)' is not an interface or bond id; expected one of: \(linkIDs.joined(separator: ", "))" }
                var vlanID = fields["vlan_id"]?.int(in: 1...4094)
                if let link, let number = vlanID {
                    if vlanIDsPerLink[link, default: []].contains(number) {
                        fields["vlan_id"]?.issue("VLAN id \(number) is already used on link '\(link)'")
                        vlanID = nil
                    } else {
                        vlanIDsPerLink[link, default: []].insert(number)
                    }
                }
                if let link, bondOf[link] != nil { fields["link"]?.issue("'\(link)' is a bond member; put the VLAN on the bond '\(bondOf[link]!)'") }
                let addressing = decodeAddressing(fields)
                guard let id, claim(id, fields["id"]!), let link, let vlanID, let addressing else { continue }
                vlans.append(VLAN(id: id, link: link, vlanID: vlanID, addressing: addressing))
            }

            var dnsServers: [IPAddress] = []
            var dnsSearch: [String] = []
            if let dns = map["dns"], let dnsMap = dns.mapping(allowed: ["servers", "search"]) {
                dnsServers = (dnsMap["servers"]?.sequence() ?? []).compactMap { $0.ip() }
                dnsSearch = (dnsMap["search"]?.sequence() ?? []).compactMap { $0.string(where: Names.isDomainName) { "'\($0)' is not a DNS domain" } }
            }

            checkSubnetsAndDefaultRoutes(interfaces: interfaces.map { ($0.id, $0.addressing) } + vlans.map { ($0.id, $0.addressing) } + bonds.map { ($0.id, $0.addressing) },
                                         node: node, idNodes: idNodes)
            return Network(interfaces: interfaces, vlans: vlans, bonds: bonds, dnsServers: dnsServers, dnsSearch: dnsSearch)
        }

        /// The node of `address` in the `addresses` of the interface, VLAN or bond whose `id`
        /// node is `idNode`.
        func addressNode(of idNode: SpecNode, _ address: InterfaceAddress, in network: SpecNode) -> SpecNode? {
            guard idNode.pointer.hasSuffix("/id"), let item = network.descendant(String(idNode.pointer.dropLast(3))) else { return nil }
            for family in ["ipv4", "ipv6"] {
                var index = 0
                while let candidate = item.child(family)?.child("addresses")?.child(index) {
                    if case .scalar(let text, _) = candidate.shape, InterfaceAddress(text) == address { return candidate }
                    index += 1
                }
            }
            return nil
        }

        /// No two static subnets overlap; one default route per family unless metrics differ.
        func checkSubnetsAndDefaultRoutes(interfaces: [(String, Addressing)], node: SpecNode, idNodes: [String: SpecNode]) {
            var subnets: [(String, InterfaceAddress)] = []
            for (id, addressing) in interfaces {
                for address in (addressing.ipv4?.addresses ?? []) + (addressing.ipv6?.addresses ?? []) {
                    if let clash = subnets.first(where: { $0.1.overlaps(address) }) {
                        // At the address that overlaps (the later one), not at the interface.
                        let at = idNodes[id].flatMap { addressNode(of: $0, address, in: node) } ?? idNodes[id]
                        at?.issue("subnet \(address) on '\(id)' overlaps \(clash.1) on '\(clash.0)'")
                    }
                    subnets.append((id, address))
                }
            }
            for family in [IPAddress.Family.v4, .v6] {
                var defaults: [(String, Int?)] = []
                for (id, addressing) in interfaces {
                    let config = family == .v4 ? addressing.ipv4 : addressing.ipv6
                    if config?.gateway != nil { defaults.append((id, nil)) }
                    for route in addressing.routes where route.to == nil && route.via.family == family { defaults.append((id, route.metric)) }
                }
                guard defaults.count > 1 else { continue }
                let metrics = defaults.map(\.1)
                if metrics.contains(where: { $0 == nil }) || Set(metrics.compactMap { $0 }).count != metrics.count {
                    node.issue("\(defaults.count) \(family.rawValue) default routes (on \(defaults.map(\.0).joined(separator: ", "))) need distinct metrics; give each a route with \"to\": \"default\" and its own metric, or keep one gateway")
                }
            }
        }

        // MARK: Time, hosts, registration, labels

        func decodeTime(_ node: SpecNode) -> Time? {
            guard let map = node.mapping(allowed: ["client", "sources"], required: ["client", "sources"]) else { return nil }
            let client = map["client"]?.string(where: { ["chrony", "timesyncd"].contains($0) }) { "'\($0)' is not a time client; expected chrony or timesyncd" }
                .flatMap(Time.Client.init(rawValue:))
            var sources: [Time.Source] = []
            for item in map["sources"]?.sequence() ?? [] {
                guard let fields = item.mapping(allowed: ["host", "type"], required: ["host"]) else { continue }
                let host = fields["host"]?.string(where: { Names.isDomainName($0.lowercased()) || IPAddress($0) != nil }) { "'\($0)' is not a host name or IP address" }
                let type = fields["type"].map { $0.string(where: { ["server", "pool"].contains($0) }) { "'\($0)' is not a source type; expected server or pool" } } ?? "server"
                guard let host, let type else { continue }
                sources.append(Time.Source(host: host, type: type))
            }
            if map["sources"]?.sequence()?.isEmpty == true { map["sources"]?.issue("expected at least one time source") }
            guard let client else { return nil }
            return Time(client: client, sources: sources)
        }

        func decodeHosts(_ node: SpecNode) -> [HostEntry] {
            (node.sequence() ?? []).compactMap { item in
                guard let fields = item.mapping(allowed: ["ip", "names"], required: ["ip", "names"]) else { return nil }
                let ip = fields["ip"]?.ip()
                let names = (fields["names"]?.sequence() ?? []).compactMap { $0.string(where: Names.isDomainName) { "'\($0)' is not a host name" } }
                if fields["names"]?.sequence()?.isEmpty == true { fields["names"]?.issue("expected at least one name") }
                guard let ip, !names.isEmpty else { return nil }
                return HostEntry(ip: ip, names: names)
            }
        }

        func decodeRegistration(_ node: SpecNode) -> Registration? {
            guard let map = node.mapping(allowed: ["url", "claim_token", "claim_token_file", "ca_pem"], required: ["url"]) else { return nil }
            let url = map["url"]?.string(where: Names.isRegistrationURL) {
                "'\($0)' is not an https URL; registration is only done over HTTPS, to a host name or IP address (and port), with no user name, spaces or control characters"
            }
            // Never echo a token back: messages about it say what is wrong, not what it was.
            let token = map["claim_token"]?.string(where: { !$0.isEmpty && $0.utf8.count <= 4096 && !$0.hasControlCharacters }) { _ in
                "expected a non-empty claim token on one line, without control characters (at most 4096 bytes)"
            }
            let tokenFile = map["claim_token_file"]?.string(where: Names.isBoxPath) { "'\($0)' must be an absolute path on the box, without '.', '..' or empty components" }
            switch (map["claim_token"], map["claim_token_file"]) {
            case (.some, .some): node.issue("give either claim_token or claim_token_file, not both")
            case (nil, nil): node.issue("missing the claim token: give claim_token or claim_token_file")
            default: break
            }
            let ca = map["ca_pem"]?.string(where: { $0.contains("-----BEGIN CERTIFICATE-----") && $0.contains("-----END CERTIFICATE-----") }) { _ in
                "expected a PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)"
            }
            guard let url else { return nil }
            return Registration(url: url, claimToken: token, claimTokenFile: tokenFile, caPEM: ca)
        }

        func decodeLabels(_ node: SpecNode) -> [String: String] {
            guard let members = node.members(expected: "string labels") else { return [:] }
            var labels: [String: String] = [:]
            for member in members {
                guard member.key.utf8.count <= 63, member.key.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || "-_./".utf8.contains($0) }),
                      !member.key.isEmpty else {
                    collector.add(at: member.keyPosition, pointer: member.node.pointer, "'\(member.key)' is not a label key; expected letters, digits, '-', '_', '.', '/'")
                    continue
                }
                if let value = member.node.string(where: { $0.count <= 256 && !$0.hasControlCharacters }, otherwise: { _ in
                    "expected a label value on one line: at most 256 characters, no control characters"
                }) { labels[member.key] = value }
            }
            return labels
        }
    }
}
