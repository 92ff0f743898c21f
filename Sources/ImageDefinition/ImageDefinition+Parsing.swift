import Basics
import ImageReference

extension ImageDefinition {
    /// Parses and validates a definition. `file` names it in every issue.
    public static func parse(_ text: String, file: String) throws(DefinitionError) -> ImageDefinition {
        let reader = YAMLReader(file: file)
        let definition = reader.root(text).flatMap { decode($0) }
        if let definition, reader.issues.isEmpty { return definition }
        let issues = reader.issues.isEmpty
            ? [PositionedIssue(file: file, position: .start, pointer: "", message: "the definition is incomplete")]
            : reader.issues
        throw DefinitionError(issues: issues)
    }

    static func decode(_ root: YAMLNode) -> ImageDefinition? {
        guard let top = root.mapping(
            allowed: ["schema_version", "name", "description", "base", "hardening", "packages", "docker", "containers", "compose", "health_checks", "trust"],
            required: ["schema_version", "name", "base", "docker", "containers"]
        ) else { return nil }
        if let version = top["schema_version"], let value = version.int(), value != schemaVersion {
            version.issue("schema_version \(value) is not supported; this imagesmith reads version \(schemaVersion)")
        }
        let name = top["name"]?.string(where: DNSName.isLabel) {
            "'\($0)' is not a valid image name; expected lower-case letters, digits and '-', at most 63 characters, not starting or ending with '-'"
        }
        let description = top["description"]?.string()
        let base = top["base"].flatMap(decodeBase)
        let hardening = top["hardening"].map(decodeHardening) ?? Hardening(cisLevel: 1, ufwDefaultIncoming: "deny", ufwAllow: [])
        let packages = top["packages"].map(decodePackages) ?? []
        let docker = top["docker"].flatMap(decodeDocker)
        var declaredNames = Set<String>()
        let containers = top["containers"].map { decodeContainers($0, declared: &declaredNames) } ?? []
        let compose = top["compose"].flatMap(decodeCompose)
        let healthChecks = top["health_checks"].map { decodeHealthChecks($0, services: declaredNames) } ?? []
        let trust = top["trust"].flatMap(decodeTrust)
        if let node = top["containers"], containers.isEmpty, root.collector.issues.isEmpty {
            node.issue("expected at least one container")
        }
        guard let name, let base, let docker else { return nil }
        return ImageDefinition(name: name, description: description, base: base, hardening: hardening, packages: packages,
                               docker: docker, containers: containers, compose: compose, healthChecks: healthChecks, trust: trust)
    }

    static func decodeTrust(_ node: YAMLNode) -> Trust? {
        guard let map = node.mapping(allowed: ["root", "revocations"], required: ["root"]) else { return nil }
        let root = map["root"]?.string(where: isRelativePath) { "'\($0)' must be a path relative to the definition, without '..'" }
        let revocations = map["revocations"].flatMap { $0.string(where: isRelativePath) { "'\($0)' must be a path relative to the definition, without '..'" } }
        guard let root else { return nil }
        return Trust(root: root, revocations: revocations)
    }

    static func decodeBase(_ node: YAMLNode) -> Base? {
        guard let map = node.mapping(allowed: ["ubuntu_release", "debian_release", "amazon_ebs", "qemu"]) else { return nil }
        var os: Base.OS?
        switch (map["ubuntu_release"], map["debian_release"]) {
        case (let ubuntu?, nil):
            if let value = ubuntu.string() {
                let parts = value.split(separator: ".")
                if parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) }) { os = .ubuntu(release: value) }
                else { ubuntu.issue("'\(value)' is not an Ubuntu release; expected YY.MM such as 22.04") }
            }
        case (nil, let debian?):
            if let value = debian.string() {
                if (1...2).contains(value.count), value.allSatisfy(\.isASCIIDigit) { os = .debian(release: value) }
                else { debian.issue("'\(value)' is not a Debian release; expected its number, such as 12") }
            }
        case (.some, .some):
            node.issue("give either ubuntu_release or debian_release, not both")
        case (nil, nil):
            node.issue("missing the distribution: give ubuntu_release (such as 22.04) or debian_release (such as 12)")
        }
        let ebs = map["amazon_ebs"].flatMap(decodeEBS)
        let qemu = map["qemu"].flatMap(decodeQEMU)
        if !map.has("amazon_ebs") && !map.has("qemu") {
            node.issue("expected at least one builder: amazon_ebs or qemu")
        }
        guard let os else { return nil }
        return Base(os: os, amazonEBS: ebs, qemu: qemu)
    }

    static func decodeEBS(_ node: YAMLNode) -> AmazonEBS? {
        guard let map = node.mapping(allowed: ["region", "instance_type", "ami", "ami_filter", "ssh_username", "volume_size_gb"],
                                     required: ["region", "instance_type"]) else { return nil }
        let region = map["region"]?.string(where: isAWSRegion) { "'\($0)' is not an AWS region; expected one such as us-east-1" }
        let instanceType = map["instance_type"]?.string(where: isInstanceType) { "'\($0)' is not an EC2 instance type; expected one such as g4dn.xlarge" }
        let ssh = map["ssh_username"].map { $0.string(where: DNSName.isLabel) { "'\($0)' is not a user name; expected lower-case letters, digits and '-'" } } ?? "ubuntu"
        let volume = map["volume_size_gb"].map { $0.int(in: 8...16384) } ?? 64
        var source: AmazonEBS.SourceAMI?
        switch (map["ami"], map["ami_filter"]) {
        case (let ami?, nil):
            if let value = ami.string() {
                let hex = value.dropFirst(4)
                if value.hasPrefix("ami-"), (8...17).contains(hex.count), hex.allSatisfy({ $0.isASCIIHexDigit && !$0.isUppercase }) {
                    source = .pinned(value)
                } else {
                    ami.issue("'\(value)' is not an AMI id; expected ami- followed by 8 to 17 lower-case hex digits")
                }
            }
        case (nil, let filter?):
            if let filterMap = filter.mapping(allowed: ["owners", "name"], required: ["owners", "name"]),
               let owners = filterMap["owners"]?.stringList(), let name = filterMap["name"]?.string(where: { !$0.isEmpty && $0.count <= 128 && isPrintableASCII($0) }, otherwise: {
                   "'\($0)' is not an AMI name pattern; expected 1-128 printable ASCII characters (* and ? as wildcards)"
               }) {
                if owners.isEmpty { filterMap["owners"]?.issue("expected at least one owner account") }
                for owner in owners where !isAWSOwner(owner) {
                    filterMap["owners"]?.issue("'\(owner)' is not an AMI owner; expected an account id (12 digits) or an alias such as amazon or self")
                }
                source = .filter(owners: owners, name: name)
            }
        case (.some, .some):
            node.issue("give either ami (a pinned AMI) or ami_filter (owners + name), not both")
        case (nil, nil):
            node.issue("missing the source image: give ami (a pinned AMI) or ami_filter (owners + name)")
        }
        guard let region, let instanceType, let source, let volume, let ssh else { return nil }
        return AmazonEBS(region: region, instanceType: instanceType, sourceAMI: source, sshUsername: ssh, volumeSizeGB: volume)
    }

    static func decodeQEMU(_ node: YAMLNode) -> QEMU? {
        guard let map = node.mapping(allowed: ["iso_url", "iso_checksum", "disk_size", "memory_mb", "cpus", "ssh_username", "accelerator", "nocloud_seed"],
                                     required: ["iso_url", "iso_checksum"]) else { return nil }
        let url = map["iso_url"]?.string(where: { ($0.hasPrefix("https://") || $0.hasPrefix("file://")) && isURLText($0) }) {
            "'\($0)' must be an https:// or file:// URL (no spaces or control characters)"
        }
        let checksum = map["iso_checksum"]?.string(where: { ($0.hasPrefix("file:") && isURLText($0)) || (try? Digest(parsing: $0)) != nil }) {
            "'\($0)' is not a checksum; expected sha256:<64 hex digits> or file:<url>"
        }
        let disk = map["disk_size"].flatMap { node in
            node.string(where: { value in value.last.map { "MG".contains($0) } == true && (Int(asciiDecimal: value.dropLast()) ?? 0) > 0 }) {
                "'\($0)' is not a disk size; expected a number with M or G, such as 40G"
            }
        } ?? "40G"
        let memory = map["memory_mb"].map { $0.int(in: 512...1_048_576) } ?? 4096
        let cpus = map["cpus"].map { $0.int(in: 1...256) } ?? 2
        let ssh = map["ssh_username"]?.string(where: DNSName.isLabel) { "'\($0)' is not a user name; expected lower-case letters, digits and '-'" } ?? "ubuntu"
        let accelerator = map["accelerator"].map { $0.choice(["kvm", "tcg"]).flatMap(QEMU.Accelerator.init(rawValue:)) } ?? .kvm
        let seed = map["nocloud_seed"].map { $0.bool() } ?? true
        guard let url, let checksum, let memory, let cpus, let accelerator, let seed else { return nil }
        return QEMU(isoURL: url, isoChecksum: checksum, diskSize: disk, memoryMB: memory, cpus: cpus, sshUsername: ssh,
                    accelerator: accelerator, nocloudSeed: seed)
    }

    static func decodeHardening(_ node: YAMLNode) -> Hardening {
        var result = Hardening(cisLevel: 1, ufwDefaultIncoming: "deny", ufwAllow: [])
        guard let map = node.mapping(allowed: ["cis_level", "ufw"]) else { return result }
        if let level = map["cis_level"]?.int(in: 1...2) { result.cisLevel = level }
        if let ufw = map["ufw"]?.mapping(allowed: ["default_incoming", "allow"]) {
            if let incoming = ufw["default_incoming"]?.choice(["deny", "reject", "allow"]) { result.ufwDefaultIncoming = incoming }
            for item in ufw["allow"]?.sequence() ?? [] {
                guard let rule = item.mapping(allowed: ["port", "proto", "from", "comment"], required: ["port"]) else { continue }
                guard let port = rule["port"]?.int(in: 1...65535) else { continue }
                let proto = rule["proto"].map { $0.choice(["tcp", "udp"]) } ?? "tcp"
                let from = rule["from"].flatMap { node in
                    node.string(where: { $0 == "any" || isCIDR($0) }) { "'\($0)' is not 'any' or an IPv4 CIDR such as 10.0.0.0/8" }
                } ?? "any"
                guard let proto else { continue }
                result.ufwAllow.append(.init(port: port, proto: proto, from: from, comment: rule["comment"]?.string()))
            }
        }
        return result
    }

    static func decodePackages(_ node: YAMLNode) -> [String] {
        guard let items = node.sequence() else { return [] }
        var seen = Set<String>()
        return items.compactMap { item in
            guard let name = item.string() else { return nil }
            guard isDebianPackageName(name) else {
                item.issue("'\(name)' is not a Debian package name; expected lower-case letters, digits, '+', '-' and '.'")
                return nil
            }
            guard seen.insert(name).inserted else {
                item.issue("package '\(name)' is listed twice")
                return nil
            }
            return name
        }
    }

    static func decodeDocker(_ node: YAMLNode) -> Docker? {
        guard let map = node.mapping(allowed: ["docker_ce_version", "nvidia_container_toolkit_version", "source", "nvidia", "insecure_registries"],
                                     required: ["docker_ce_version", "nvidia_container_toolkit_version"]) else { return nil }
        let docker = map["docker_ce_version"].flatMap(versionString)
        let nvidia = map["nvidia_container_toolkit_version"].flatMap(versionString)
        let source = map["source"].map { $0.choice(["docker-ce", "docker-ce-or-distribution"]).flatMap(Docker.Source.init(rawValue:)) } ?? .dockerCE
        let policy = map["nvidia"].map { $0.choice(["required", "if-available"]).flatMap(Docker.NVIDIA.init(rawValue:)) } ?? .required
        var insecure: [String] = []
        for item in map["insecure_registries"]?.sequence() ?? [] {
            guard let value = item.string(where: isRegistryHostPort, otherwise: {
                "'\($0)' is not a registry host:port; expected a host name or IPv4 address and a port, such as 10.0.2.2:5055"
            }) else { continue }
            insecure.append(value)
        }
        guard let docker, let nvidia, let source, let policy else { return nil }
        return Docker(dockerCEVersion: docker, nvidiaContainerToolkitVersion: nvidia, source: source, nvidia: policy, insecureRegistries: insecure)
    }

    /// `host:port` as a Docker daemon's insecure-registries entry: a DNS name or IPv4 address
    /// and a port 1-65535, nothing a shell or JSON would read differently.
    static func isRegistryHostPort(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = Int(asciiDecimal: parts[1]), (1...65535).contains(port) else { return false }
        let labels = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        return !labels.isEmpty && labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }
                && label.first != "-" && label.last != "-"
        }
    }

    static func versionString(_ node: YAMLNode) -> String? {
        guard let value = node.string() else { return nil }
        guard !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".:~+-".contains($0)) }) else {
            node.issue("'\(value)' is not a Debian package version; pin an exact version such as 5:27.3.1-1~ubuntu.22.04~jammy")
            return nil
        }
        return value
    }

    /// `declared` collects every valid container name, even of entries with other problems,
    /// so that references to them are not reported as a second, cascading error.
    static func decodeContainers(_ node: YAMLNode, declared names: inout Set<String>) -> [Container] {
        guard let items = node.sequence() else { return [] }
        var result: [Container] = []
        for item in items {
            guard let map = item.mapping(allowed: ["name", "image", "platform", "pin", "on_unresolved", "build", "signature"],
                                         required: ["name", "image", "platform"]) else { continue }
            let name = map["name"].flatMap { node -> String? in
                guard let value = node.string(where: isServiceName, otherwise: {
                    "'\($0)' is not a compose service name; expected lower-case letters, digits, '_', '.' and '-'"
                }) else { return nil }
                guard names.insert(value).inserted else {
                    node.issue("container name '\(value)' is used twice")
                    return nil
                }
                return value
            }
            let imageText = map["image"]?.string()
            var reference: Reference?
            if let imageText, let imageNode = map["image"] {
                do { reference = try Reference(parsing: imageText) }
                catch { imageNode.issue("'\(imageText)' is not an image reference: \(error)") }
            }
            var platform: Platform?
            if let platformNode = map["platform"], let text = platformNode.string() {
                do { platform = try Platform(parsing: text) }
                catch { platformNode.issue("\(error)") }
            }
            let pin = map["pin"].map { $0.bool() } ?? true
            let onUnresolved = map["on_unresolved"].map { $0.choice(["fail", "keep-tag"]).flatMap(Container.OnUnresolved.init(rawValue:)) } ?? .fail
            var build: Container.Build?
            if let buildNode = map["build"], let buildMap = buildNode.mapping(allowed: ["context", "dockerfile"], required: ["context"]) {
                let context = buildMap["context"]?.string(where: isRelativePath) { "'\($0)' must be a path relative to the definition, without '..'" }
                let dockerfile = buildMap["dockerfile"].flatMap { node in
                    node.string(where: isRelativePath) { "'\($0)' must be a path inside the build context, without '..'" }
                } ?? "Dockerfile"
                if let context { build = Container.Build(context: context, dockerfile: dockerfile) }
            }
            var signature: Container.Signature?
            if let node = map["signature"], let signatureMap = node.mapping(allowed: ["key", "required"], required: ["key"]) {
                let key = signatureMap["key"]?.string(where: isRelativePath) { "'\($0)' must be a path relative to the definition, without '..'" }
                let required = signatureMap["required"].map { $0.bool() } ?? true
                if let key, let required { signature = Container.Signature(key: key, required: required) }
                if pin == false { node.issue("a signature is checked for the digest an image is pinned to; pin: false keeps a tag, so there is nothing to check") }
            }
            if let pinNode = map["pin"], pin == false, let reference, reference.digest != nil {
                pinNode.issue("pin: false contradicts the digest in the image reference")
            }
            guard let name, let imageText, let reference, let platform, let pin, let onUnresolved else { continue }
            result.append(Container(name: name, image: imageText, reference: reference, platform: platform, pin: pin,
                                    onUnresolved: onUnresolved, build: build, signature: signature, namePosition: map["name"]?.position ?? item.position))
        }
        return result
    }

    static func decodeCompose(_ node: YAMLNode) -> Compose? {
        guard let map = node.mapping(allowed: ["project", "file"], required: ["project", "file"]) else { return nil }
        let project = map["project"]?.string(where: isServiceName) { "'\($0)' is not a compose project name; expected lower-case letters, digits, '_' and '-'" }
        let file = map["file"]?.string(where: isRelativePath) { "'\($0)' must be a path relative to the definition, without '..'" }
        guard let project, let file else { return nil }
        return Compose(project: project, file: file)
    }

    static func decodeHealthChecks(_ node: YAMLNode, services: Set<String>) -> [HealthCheck] {
        guard let items = node.sequence() else { return [] }
        var names = Set<String>()
        var result: [HealthCheck] = []
        for item in items {
            guard let map = item.mapping(allowed: ["name", "service", "http", "tcp", "container_running", "command", "exec", "interval_seconds", "timeout_seconds", "retries"],
                                         required: ["name", "service"]) else { continue }
            let name = map["name"].flatMap { node -> String? in
                guard let value = node.string(where: { !$0.isEmpty && $0.count <= 100 && !$0.hasControlCharacters }, otherwise: {
                    "'\($0)' is not a health check name; expected 1-100 characters on one line"
                }) else { return nil }
                guard names.insert(value).inserted else {
                    node.issue("health check name '\(value)' is used twice")
                    return nil
                }
                return value
            }
            let service = map["service"]?.string(where: services.contains) {
                "'\($0)' is not one of the containers: \(services.sorted().joined(separator: ", "))"
            }
            let kinds = ["http", "tcp", "container_running", "command", "exec"].filter { map.has($0) }
            var probe: HealthCheck.Probe?
            if kinds.count != 1 {
                item.issue("expected exactly one probe: http, tcp, container_running, command (on the box) or exec (in the service's container)")
            } else if let http = map["http"], let httpMap = http.mapping(allowed: ["url", "expect_status"], required: ["url"]) {
                // Health checks probe services on the box itself; the device-side checker speaks
                // plain HTTP (it links no TLS stack), so an https URL is refused here, at build time.
                let url = httpMap["url"]?.string(where: { HealthCheck.httpTarget($0) != nil }) {
                    "'\($0)' is not a plain http://host[:port]/path URL (health checks probe local services over plain HTTP)"
                }
                let status = httpMap["expect_status"].map { $0.int(in: 100...599) } ?? 200
                if let url, let status { probe = .http(url: url, expectStatus: status) }
            } else if let tcp = map["tcp"], let tcpMap = tcp.mapping(allowed: ["host", "port"], required: ["host", "port"]) {
                let host = tcpMap["host"]?.string(where: isHostOrAddress) {
                    "'\($0)' is not a host name or address; expected a DNS name, an IPv4 address or an IPv6 address"
                }
                let port = tcpMap["port"].map { $0.int(in: 1...65535) } ?? nil
                if let host, let port { probe = .tcp(host: host, port: port) }
            } else if let running = map["container_running"] {
                if running.bool() == true { probe = .containerRunning }
                else { running.issue("container_running must be true when given") }
            } else if let kind = kinds.first, kind == "command" || kind == "exec", let command = map[kind], let words = command.stringList() {
                if words.isEmpty { command.issue("expected a command as a non-empty list of words") }
                else if words.contains(where: { $0.utf8.contains(0) || $0.utf8.count > 4096 }) { command.issue("a command word may not hold a NUL byte or exceed 4096 bytes") }
                else if words[0].isEmpty { command.issue("expected the program as the first word") }
                else { probe = kind == "exec" ? .exec(words) : .command(words) }
            }
            let interval = map["interval_seconds"].map { $0.int(in: 1...3600) } ?? 10
            let timeout = map["timeout_seconds"].map { $0.int(in: 1...3600) } ?? 5
            let retries = map["retries"].map { $0.int(in: 0...100) } ?? 3
            guard let name, let service, let probe, let interval, let timeout, let retries else { continue }
            result.append(HealthCheck(name: name, service: service, probe: probe, intervalSeconds: interval, timeoutSeconds: timeout, retries: retries))
        }
        return result
    }

    // MARK: Small validators


    static func isServiceName(_ text: String) -> Bool {
        guard let first = text.utf8.first, (first >= 0x61 && first <= 0x7a) || (first >= 0x30 && first <= 0x39) else { return false }
        return text.utf8.count <= 63 && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || "_.-".utf8.contains($0) }
    }

    static func isDebianPackageName(_ text: String) -> Bool {
        guard text.utf8.count >= 2, let first = text.utf8.first, (first >= 0x61 && first <= 0x7a) || (first >= 0x30 && first <= 0x39) else { return false }
        return text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || "+-.".utf8.contains($0) }
    }

    static func isRelativePath(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 1024 && !text.hasPrefix("/") && !text.split(separator: "/").contains("..") && !text.hasControlCharacters
    }

    /// What EC2 names regions with: `us-east-1`, `ap-southeast-2`, `us-gov-west-1`.
    static func isAWSRegion(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return text.utf8.count <= 32 && parts.count >= 3 && parts.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) } }
            && parts.last!.allSatisfy(\.isASCIIDigit)
    }

    /// `g4dn.xlarge`, `u-6tb1.metal`: a family and a size.
    static func isInstanceType(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return text.utf8.count <= 64 && parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") } }
    }

    /// An account id (12 digits) or an alias (`amazon`, `self`, `aws-marketplace`).
    static func isAWSOwner(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") }
    }

    static func isPrintableASCII(_ text: String) -> Bool { text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7f } }

    /// A URL as text: printable ASCII without spaces, quotes or backslashes.
    static func isURLText(_ text: String) -> Bool {
        text.utf8.count <= 2048 && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    }

    /// A DNS name (any case), an IPv4 address in dotted decimal, or an IPv6 address.
    static func isHostOrAddress(_ text: String) -> Bool {
        if DNSName.isName(text.lowercased()) { return true }
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets.allSatisfy({ Int(asciiDecimal: $0).map { (0...255).contains($0) } ?? false }) { return true }
        return text.contains(":") && text.utf8.count <= 45 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }
    }

    static func isCIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(asciiDecimal: parts[1]), (0...32).contains(prefix) else { return false }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { octet in
            guard let value = Int(asciiDecimal: octet), (0...255).contains(value) else { return false }
            return true
        }
    }
}
