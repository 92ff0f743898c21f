import Foundation
import Testing
import TestSupport

/// The committed example works on a real box: its compose files, as the box runs them
/// (compose.yml with the pinned override), pass Compose's own parser; every health check names
/// a service the files define and probes it the way the box can (an HTTP or TCP check a port
/// the service publishes, a readiness program inside the service's container, never a
/// program the host does not have); and postgres gets a password, or it would not start.
@Suite struct ExampleTests {
    static let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

    /// The example built offline, as the demo and the image build do.
    func built() async throws -> TemporaryDirectory {
        let out = try TemporaryDirectory("example")
        let result = try await ProcessSupport.runDetached(Self.binaries.appendingPathComponent("imagesmith").path, [
            "build", BuildFixture.repository.appendingPathComponent("packer/edge-analytics.yaml").path, "--offline", "--out", out.path,
            "--box-package", BoxPackageFixture.path, "--templates", BuildFixture.templates,
        ], environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": "/nonexistent-home"])
        #expect(result.status == 0, "\(result.stderr)")
        return out
    }

    @Test func theExampleComposeFilesAreWhatComposeAccepts() async throws {
        let out = try await built()
        // Compose v1 (Debian's) is stricter than v2 (a top-level `name:` is refused): the files
        // must pass both. `config` needs no daemon.
        let config = try await ProcessSupport.runDetached("docker-compose", [
            "--project-name", "edge", "-f", out.file("compose.yml"), "-f", out.file("docker-compose.pinned.yml"), "config",
        ], environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "DOCKER_HOST": "unix:///nonexistent.sock"])
        #expect(config.status == 0, "\(config.stderr)")
        try out.write("merged.yml", config.stdout)
        let problems = try await Self.lint(merged: out.file("merged.yml"), checks: out.file("health-checks.json"))
        #expect(problems == [], "\(problems)")
    }

    /// What would keep the example from working on a box, one sentence each.
    static func lint(merged: String, checks: String) async throws -> [String] {
        let script = """
            import json, sys, yaml
            merged = yaml.safe_load(open(sys.argv[1]))
            checks = json.load(open(sys.argv[2]))["checks"]
            problems = []
            services = merged["services"]
            for check in checks:
                service = services.get(check["service"])
                if service is None:
                    problems.append(f"{check['name']}: no service {check['service']}"); continue
                published = set()
                for port in service.get("ports", []):
                    if isinstance(port, dict): published.add(str(port.get("published")))
                    else: published.add(str(port).split(":")[-2] if ":" in str(port) else str(port))
                if check["kind"] == "http":
                    port = check["url"].split("://")[1].split("/")[0].rsplit(":", 1)[-1]
                    if port not in published: problems.append(f"{check['name']}: port {port} is not published by {check['service']}")
                if check["kind"] == "tcp" and str(check["port"]) not in published:
                    problems.append(f"{check['name']}: port {check['port']} is not published by {check['service']}")
                if check["kind"] == "command":
                    problems.append(f"{check['name']}: runs {check['command'][0]} on the host, not in {check['service']}")
            for name, service in services.items():
                if "postgres" in service.get("image", ""):
                    text = json.dumps(service)
                    if not any(word in text for word in ("POSTGRES_PASSWORD", "POSTGRES_HOST_AUTH_METHOD")):
                        problems.append(f"{name}: postgres has no password and would not start")
                if service.get("image", "").startswith("registry.edge.example.net") and "@sha256:" not in service["image"]:
                    problems.append(f"{name}: runs from a tag, not the pinned digest")
            print(json.dumps(problems))
            """
        let lint = try await ProcessSupport.runDetached("python3", ["-c", script, merged, checks])
        #expect(lint.status == 0, "\(lint.stderr)")
        return (try JSONSerialization.jsonObject(with: Data(lint.stdout.utf8)) as? [String]) ?? ["the lint printed no list: \(lint.stdout)"]
    }

    /// The checks above can fail: the example as it was (a top-level name, pg_isready on the
    /// host against a port not published, a postgres with no password) is refused.
    @Test func theChecksCatchWhatTheOldExampleDid() async throws {
        let directory = try TemporaryDirectory("example-old")
        let old = try directory.write("compose.yml", "name: edge\nservices:\n  postgres:\n    image: postgres:16.4\n")
        let config = try await ProcessSupport.runDetached("docker-compose", ["--project-name", "edge", "-f", old, "config", "-q"],
                                                          environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
        #expect(config.status != 0, "Compose v1 accepted a top-level name")
        let merged = try directory.write("merged.yml", "services:\n  postgres:\n    image: postgres:16.4\n")
        let checks = try directory.write("checks.json", #"{"checks": [{"name": "postgres-ready", "service": "postgres", "kind": "command", "command": ["pg_isready", "-h", "127.0.0.1"]}, {"name": "db-port", "service": "postgres", "kind": "tcp", "host": "127.0.0.1", "port": 5432}]}"#)
        let problems = try await Self.lint(merged: merged, checks: checks)
        #expect(problems.contains("postgres-ready: runs pg_isready on the host, not in postgres"), "\(problems)")
        #expect(problems.contains("db-port: port 5432 is not published by postgres"), "\(problems)")
        #expect(problems.contains("postgres: postgres has no password and would not start"), "\(problems)")
    }
}
