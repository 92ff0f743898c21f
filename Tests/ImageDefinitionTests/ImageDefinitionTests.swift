import Foundation
import ImageReference
import Testing
import TestSupport
@testable import ImageDefinition

@Suite struct ImageDefinitionTests {
    static let exampleURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../packer/edge-analytics.yaml").standardized

    @Test func theCommittedExampleParses() throws {
        let text = try String(contentsOf: Self.exampleURL, encoding: .utf8)
        let definition = try ImageDefinition.parse(text, file: "edge-analytics.yaml")
        #expect(definition.name == "edge-analytics")
        #expect(definition.containers.map(\.name) == ["ingest", "analytics", "dashboard-agent", "postgres", "redis"])
        #expect(definition.containers.filter { !$0.pin }.map(\.name) == ["postgres", "redis"])
        #expect(definition.containers[0].build == .init(context: "builds/ingest", dockerfile: "Dockerfile"))
        #expect(definition.containers[3].reference.name == "docker.io/library/postgres")
        #expect(definition.base.amazonEBS?.sourceAMI == .filter(owners: ["099720109477"], name: "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"))
        #expect(definition.base.qemu?.diskSize == "40G")
        #expect(definition.hardening.ufwAllow.count == 3)
        #expect(definition.healthChecks.map(\.name) == ["ingest-http", "analytics-running", "postgres-ready"])
        #expect(definition.healthChecks[2].probe == .exec(["pg_isready", "-U", "postgres", "-d", "postgres"]))
        #expect(definition.compose == .init(project: "edge", file: "compose.yml"))
    }

    static let minimal = """
        schema_version: 1
        name: mini
        base:
          ubuntu_release: "22.04"
          qemu: {iso_url: "https://example.net/x.img", iso_checksum: "sha256:\(String(repeating: "a", count: 64))"}
        docker: {docker_ce_version: "5:27.3.1-1", nvidia_container_toolkit_version: "1.16.2-1"}
        containers:
          - {name: app, image: "ghcr.io/acme/app:1.0", platform: linux/arm64}
        """

    @Test func defaultsApply() throws {
        let definition = try ImageDefinition.parse(Self.minimal, file: "mini.yaml")
        let app = try #require(definition.containers.first)
        #expect(app.pin)
        #expect(app.onUnresolved == .fail)
        #expect(app.platform == Platform(os: "linux", architecture: "arm64"))
        #expect(definition.base.qemu?.memoryMB == 4096)
        #expect(definition.base.qemu?.accelerator == .kvm)
        #expect(definition.base.qemu?.nocloudSeed == true)
        #expect(definition.base.os == .ubuntu(release: "22.04"))
        #expect(definition.docker.source == .dockerCE, "production fails closed without Docker CE")
        #expect(definition.docker.nvidia == .required)
        #expect(definition.docker.insecureRegistries.isEmpty)
        #expect(definition.hardening.ufwDefaultIncoming == "deny")
    }

    @Test func aLabDefinitionNamesItsFallbacks() throws {
        let text = Self.minimal
            .replacingOccurrences(of: "ubuntu_release: \"22.04\"", with: "debian_release: \"12\"")
            .replacingOccurrences(of: "iso_checksum:", with: "accelerator: tcg, nocloud_seed: false, ssh_username: packer, iso_checksum:")
            .replacingOccurrences(of: "nvidia_container_toolkit_version: \"1.16.2-1\"}", with: "nvidia_container_toolkit_version: \"1.16.2-1\", source: docker-ce-or-distribution, nvidia: if-available, insecure_registries: [\"10.0.2.2:5055\", \"registry.lab.test:443\"]}")
        let definition = try ImageDefinition.parse(text, file: "lab.yaml")
        #expect(definition.base.os == .debian(release: "12"))
        #expect(definition.base.qemu?.accelerator == .tcg)
        #expect(definition.base.qemu?.nocloudSeed == false)
        #expect(definition.base.qemu?.sshUsername == "packer")
        #expect(definition.docker.source == .dockerCEOrDistribution)
        #expect(definition.docker.nvidia == .ifAvailable)
        #expect(definition.docker.insecureRegistries == ["10.0.2.2:5055", "registry.lab.test:443"])
    }

    /// (YAML change, expected "line:col: pointer: message" fragment)
    @Test(arguments: [
        ("name: mini", "name: Mini", "2:7: /name: 'Mini' is not a valid image name"),
        ("schema_version: 1", "schema_version: 2", "1:17: /schema_version: schema_version 2 is not supported"),
        ("name: mini", "name: mini\ncolour: blue", "3:1: /colour: unknown key 'colour'"),
        ("platform: linux/arm64}", "platform: linux}", "/containers/0/platform: 'linux' is not a valid platform"),
        ("image: \"ghcr.io/acme/app:1.0\"", "image: \"ghcr.io/acme/App:1.0\"", "/containers/0/image: 'ghcr.io/acme/App:1.0' is not an image reference: repository name 'acme/App' must be lower case"),
        ("{name: app,", "{name: app, pin: maybe,", "/containers/0/pin: expected true or false, found 'maybe'"),
        ("{name: app,", "{name: app, on_unresolved: ignore,", "/containers/0/on_unresolved: 'ignore' is not allowed; expected one of: fail, keep-tag"),
        ("\"sha256:", "\"md5:", "/base/qemu/iso_checksum"),
        ("ubuntu_release: \"22.04\"", "ubuntu_release: \"jammy\"", "4:19: /base/ubuntu_release: 'jammy' is not an Ubuntu release"),
        ("docker: {docker_ce_version: \"5:27.3.1-1\", ", "docker: {", "/docker: missing required key 'docker_ce_version'"),
        ("  qemu:", "  qemu: []\n  old_qemu:", "/base/qemu: expected a mapping"),
        ("ubuntu_release: \"22.04\"", "ubuntu_release: \"22.04\"\n  debian_release: \"12\"", "/base: give either ubuntu_release or debian_release, not both"),
        ("ubuntu_release: \"22.04\"", "debian_release: bookworm", "/base/debian_release: 'bookworm' is not a Debian release"),
        ("ubuntu_release: \"22.04\"", "flavour: x", "/base: missing the distribution"),
        ("iso_checksum:", "accelerator: hvf, iso_checksum:", "/base/qemu/accelerator: 'hvf' is not allowed; expected one of: kvm, tcg"),
        ("nvidia_container_toolkit_version: \"1.16.2-1\"}", "nvidia_container_toolkit_version: \"1.16.2-1\", source: apt}",
         "/docker/source: 'apt' is not allowed; expected one of: docker-ce, docker-ce-or-distribution"),
        ("nvidia_container_toolkit_version: \"1.16.2-1\"}", "nvidia_container_toolkit_version: \"1.16.2-1\", nvidia: maybe}",
         "/docker/nvidia: 'maybe' is not allowed; expected one of: required, if-available"),
        ("nvidia_container_toolkit_version: \"1.16.2-1\"}", "nvidia_container_toolkit_version: \"1.16.2-1\", insecure_registries: [\"10.0.2.2:5055;reboot\"]}",
         "/docker/insecure_registries/0: '10.0.2.2:5055;reboot' is not a registry host:port"),
        ("nvidia_container_toolkit_version: \"1.16.2-1\"}", "nvidia_container_toolkit_version: \"1.16.2-1\", insecure_registries: [\"registry.lab:99999\"]}",
         "/docker/insecure_registries/0: 'registry.lab:99999' is not a registry host:port"),
        // Every value keeps its consumer's grammar: Packer's, AWS's, a shell step's.
        ("  qemu:", "  amazon_ebs: {region: \"us-east-1\\nx\", instance_type: g4dn.xlarge, ami: ami-0123456789abcdef0}\n  qemu:", "/base/amazon_ebs/region: 'us-east-1\\u{a}x' is not an AWS region"),
        ("  qemu:", "  amazon_ebs: {region: us-east-1, instance_type: \"g4dn xlarge\", ami: ami-0123456789abcdef0}\n  qemu:", "/base/amazon_ebs/instance_type: 'g4dn xlarge' is not an EC2 instance type"),
        ("  qemu:", "  amazon_ebs: {region: us-east-1, instance_type: g4dn.xlarge, ssh_username: \"ubuntu; reboot\", ami: ami-0123456789abcdef0}\n  qemu:", "/base/amazon_ebs/ssh_username: 'ubuntu; reboot' is not a user name"),
        ("  qemu:", "  amazon_ebs: {region: us-east-1, instance_type: g4dn.xlarge, ami_filter: {owners: [\"0991 22\"], name: \"ubuntu-*\"}}\n  qemu:", "/base/amazon_ebs/ami_filter/owners: '0991 22' is not an AMI owner"),
        ("  qemu:", "  amazon_ebs: {region: us-east-1, instance_type: g4dn.xlarge, ami_filter: {owners: [self], name: \"ubuntu-*\\r\"}}\n  qemu:", "/base/amazon_ebs/ami_filter/name"),
        ("\"https://example.net/x.img\"", "\"https://example.net/x y.img\"", "/base/qemu/iso_url: 'https://example.net/x y.img' must be an https:// or file:// URL"),
        ("\"https://example.net/x.img\"", "\"file:///x.img\\u001b[2J\"", "/base/qemu/iso_url: 'file:///x.img\\u{1b}[2J' must be"),
        ("\"sha256:\(String(repeating: "a", count: 64))\"", "\"file:https://x/SUMS\\nrm\"", "/base/qemu/iso_checksum"),
        ("platform: linux/arm64}", "platform: linux/arm64, build: {context: \"ctx\\tx\"}}", "/containers/0/build/context: 'ctx\\u{9}x' must be a path relative to the definition"),
        ("platform: linux/arm64}", "platform: linux/arm64, build: {context: ctx, dockerfile: \"Dockerfile\\r\"}}", "/containers/0/build/dockerfile"),
        ("platform: linux/arm64}", "platform: linux/arm64}\nhealth_checks:\n  - {name: \"up\\nfake\", service: app, container_running: true}", "/health_checks/0/name: 'up\\u{a}fake' is not a health check name"),
        ("platform: linux/arm64}", "platform: linux/arm64}\nhealth_checks:\n  - {name: up, service: app, tcp: {host: \"db\\nx\", port: 5432}}", "/health_checks/0/tcp/host: 'db\\u{a}x' is not a host name or address"),
        ("platform: linux/arm64}", "platform: linux/arm64}\nhealth_checks:\n  - {name: up, service: app, command: [\"pg_isready\\0\"]}", "/health_checks/0/command: a command word may not hold a NUL byte"),
        ("platform: linux/arm64}", "platform: linux/arm64}\ncompose: {project: edge, file: \"compose.yml\\n\"}", "/compose/file"),
    ])
    func badDefinitionsNameTheField(from: String, to: String, expected: String) {
        let text = Self.minimal.replacingOccurrences(of: from, with: to)
        #expect(text != Self.minimal, "the table row must change the text")
        do {
            _ = try ImageDefinition.parse(text, file: "mini.yaml")
            Issue.record("expected an error for \(to)")
        } catch {
            #expect(error.description.contains("mini.yaml:"), "\(error)")
            #expect(error.description.contains(expected), "\(error)")
        }
    }

    @Test func everyProblemIsReportedAtOnce() {
        let text = Self.minimal
            .replacingOccurrences(of: "name: mini", with: "name: -bad-")
            .replacingOccurrences(of: "platform: linux/arm64}", with: "platform: nope, extra: 1}")
        do {
            _ = try ImageDefinition.parse(text, file: "mini.yaml")
            Issue.record("expected errors")
        } catch {
            #expect(error.issues.count == 3, "\(error)")
            #expect(error.issues.map(\.pointer) == ["/name", "/containers/0/extra", "/containers/0/platform"])
        }
    }

    @Test func crossFieldRules() {
        let text = """
            schema_version: 1
            name: x
            base: {ubuntu_release: "24.04", amazon_ebs: {region: r, instance_type: t, ami: ami-1234, ami_filter: {owners: [a], name: n}}}
            docker: {docker_ce_version: "1", nvidia_container_toolkit_version: "1"}
            containers:
              - {name: a, image: "a@sha256:\(String(repeating: "b", count: 64))", platform: linux/amd64, pin: false}
              - {name: a, image: b, platform: linux/amd64}
            compose: {project: p, file: ../outside.yml}
            health_checks:
              - {name: h, service: nope, container_running: true}
              - {name: h2, service: a, container_running: true, http: {url: "http://x"}}
            """
        do {
            _ = try ImageDefinition.parse(text, file: "x.yaml")
            Issue.record("expected errors")
        } catch {
            let messages = error.issues.map { "\($0.pointer): \($0.message)" }
            #expect(messages.contains { $0.hasPrefix("/base/amazon_ebs: give either ami") })
            #expect(messages.contains { $0.hasPrefix("/containers/0/pin: pin: false contradicts the digest") })
            #expect(messages.contains { $0.hasPrefix("/containers/1/name: container name 'a' is used twice") })
            #expect(messages.contains { $0.hasPrefix("/compose/file: '../outside.yml' must be a path relative") })
            #expect(messages.contains { $0.hasPrefix("/health_checks/0/service: 'nope' is not one of the containers") })
            #expect(messages.contains { $0.hasPrefix("/health_checks/1: expected exactly one probe") })
        }
    }

    @Test func healthProbesIncludeTCPAndRefuseWhatTheDeviceCannotRun() throws {
        let base = """
            schema_version: 1
            name: x
            base: {ubuntu_release: "24.04", qemu: {iso_url: "https://example.net/u.img", iso_checksum: "sha256:\(String(repeating: "c", count: 64))"}}
            docker: {docker_ce_version: "1", nvidia_container_toolkit_version: "1"}
            containers:
              - {name: a, image: "a:1", platform: linux/amd64}
            health_checks:

            """
        let good = try ImageDefinition.parse(base + """
              - {name: t, service: a, tcp: {host: 127.0.0.1, port: 5432}}
              - {name: h, service: a, http: {url: "http://[::1]:8080/healthz"}}
            """, file: "x.yaml")
        #expect(good.healthChecks[0].probe == .tcp(host: "127.0.0.1", port: 5432))
        #expect(good.healthChecks[1].probe == .http(url: "http://[::1]:8080/healthz", expectStatus: 200))
        do {
            _ = try ImageDefinition.parse(base + """
                  - {name: s, service: a, http: {url: "https://127.0.0.1/healthz"}}
                  - {name: p, service: a, tcp: {host: 127.0.0.1, port: 70000}}
                  - {name: u, service: a, http: {url: "http://user:pw@127.0.0.1/"}}
                """, file: "x.yaml")
            Issue.record("expected errors")
        } catch {
            let messages = error.issues.map { "\($0.pointer): \($0.message)" }
            #expect(messages.contains { $0.hasPrefix("/health_checks/0/http/url: 'https://127.0.0.1/healthz' is not a plain http://") }, "\(messages)")
            #expect(messages.contains { $0.hasPrefix("/health_checks/1/tcp/port") }, "\(messages)")
            #expect(messages.contains { $0.hasPrefix("/health_checks/2/http/url") }, "\(messages)")
        }
    }

    @Test func yamlSyntaxErrorsCarryTheirPosition() {
        do {
            _ = try ImageDefinition.parse("name: [unclosed\nother: 1\n", file: "broken.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.issues.count == 1)
            #expect(error.issues[0].description.hasPrefix("broken.yaml:"))
            #expect(error.issues[0].message.hasPrefix("invalid YAML"))
            #expect(error.issues[0].position.line >= 1)
        }
    }
}

/// The published JSON Schema and the committed example agree (checked with Python's
/// jsonschema, an independent validator), and the schema rejects what imagesmith rejects.
@Suite struct DefinitionSchemaTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    func validate(_ yaml: String) throws -> (Int32, String) {
        try SchemaValidation.validate(yaml, schema: Self.repository.appendingPathComponent("docs/image-definition.schema.json").path)
    }

    @Test func exampleMatchesTheSchema() throws {
        let example = try String(contentsOf: Self.repository.appendingPathComponent("packer/edge-analytics.yaml"), encoding: .utf8)
        let (status, text) = try validate(example)
        #expect(status == 0, "\(text)")
    }

    @Test(arguments: [
        ("name: mini", "name: Mini"),
        ("name: mini", "name: mini\ncolour: blue"),
        ("{name: app,", "{name: app, pin: maybe,"),
        ("{name: app,", "{name: app, on_unresolved: ignore,"),
    ])
    func schemaRejectsWhatImagesmithRejects(from: String, to: String) throws {
        let text = ImageDefinitionTests.minimal.replacingOccurrences(of: from, with: to)
        #expect(throws: DefinitionError.self) { try ImageDefinition.parse(text, file: "x.yaml") }
        let (status, output) = try validate(text)
        #expect(status == 1, "\(output)")
        let (good, goodOutput) = try validate(ImageDefinitionTests.minimal)
        #expect(good == 0, "\(goodOutput)")
    }

    @Test(arguments: [
        ("http://127.0.0.1:8080/healthz", "127.0.0.1", 8080, "/healthz"),
        ("http://localhost", "localhost", 80, "/"),
        ("http://[::1]:9000/x?y=1", "::1", 9000, "/x?y=1"),
    ])
    func healthURLs(url: String, host: String, port: Int, path: String) throws {
        let parsed = try #require(ImageDefinition.HealthCheck.httpTarget(url))
        #expect(parsed.host == host && parsed.port == port && parsed.path == path)
    }

    @Test(arguments: ["https://127.0.0.1/", "http://", "http://a:0/", "http://u@h/", "ftp://h/", "http://h:99999/"])
    func badHealthURLs(url: String) {
        #expect(ImageDefinition.HealthCheck.httpTarget(url) == nil)
    }
}
