import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `rollback check` probes real endpoints on loopback: an HTTP server (Python's http.server
/// answering the status it is told), a listening TCP socket, and host commands with timeouts.
@Suite struct HealthCheckTests {
    /// A box whose 2026.11.2 carries `checks`, activated in its trial window.
    func box(checks: [String]) async throws -> RollbackBox {
        var factory = ReleaseFactory()
        factory.healthChecks = checks
        let box = try await RollbackBox(factory)
        try await box.install("2026.11.1")
        try await box.expectSuccess(["activate", "2026.11.1"])
        try await box.install("2026.11.2", osVersion: "2026.11.1")
        try await box.expectSuccess(["activate", "2026.11.2"])
        return box
    }

    /// An HTTP server on a free loopback port that answers every GET with the status in
    /// `statusFile` (re-read per request).
    func httpServer(_ directory: TemporaryDirectory, status: Int) async throws -> (ServerProcess, Int, String) {
        let statusFile = try directory.write("http-status", "\(status)")
        let script = """
            import http.server, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    code = int(open(sys.argv[2]).read())
                    self.send_response(code); self.send_header("Content-Length", "0"); self.end_headers()
                def log_message(self, *args): pass
            http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
            """
        let server = try await ServerProcess.start("python3", logPath: directory.file("http.log")) { port in ["-c", script, "\(port)", statusFile] }
        return (server, server.port, statusFile)
    }

    @Test func httpCheckPassesOnTheExpectedStatusAndRollsBackOnAnother() async throws {
        let scratch = try TemporaryDirectory("http")
        let (server, port, statusFile) = try await httpServer(scratch, status: 204)
        defer { server.stop() }
        let box = try await box(checks: ["{name: api, service: svc0, http: {url: \"http://127.0.0.1:\(port)/healthz\", expect_status: 204}, retries: 1, interval_seconds: 1, timeout_seconds: 2}"])
        try await box.expectSuccess(["check"])
        try scratch.write("http-status", "503")
        let result = try await box.rollback(["check"])
        #expect(result.status == 4, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("answered 503, expected 204"), "\(result.stdout)")
        #expect(result.stderr.contains("attempt 1 of 2 failed") && result.stderr.contains("attempt 2 of 2 failed"), "retries are used: \(result.stderr)")
        #expect(box.pointer("current") == "2026.11.1")
        _ = statusFile
    }

    @Test func tcpCheckNeedsSomethingListening() async throws {
        // Close-on-exec: a child another test starts meanwhile (a server) must not inherit the
        // listener and keep it accepting after it is closed here.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(listener, 8)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let box = try await box(checks: ["{name: db, service: svc1, tcp: {host: 127.0.0.1, port: \(port)}, retries: 0, interval_seconds: 1, timeout_seconds: 2}"])
        try await box.expectSuccess(["check"])
        close(listener)
        let result = try await box.rollback(["check"])
        #expect(result.status == 4 && result.stdout.contains("tcp 127.0.0.1:\(port)"), "\(result.stdout)")
    }

    /// `exec` checks run in the service's own container: rollback finds it by compose's labels
    /// and runs the command there with `docker exec` (the fake docker stands in for the engine,
    /// which cannot run here: it answers with the status the test gives the service, and logs
    /// the calls; the image lab runs the same check under the real Docker engine).
    @Test func execCheckRunsInTheServicesContainer() async throws {
        let box = try await box(checks: ["{name: db-ready, service: svc0, exec: [pg_isready, -U, postgres], retries: 0, interval_seconds: 1}"])
        try await box.expectSuccess(["check"])
        let calls = try box.dockerLog()
        #expect(calls.contains(["ps", "-q", "--filter", "label=com.docker.compose.project=edge", "--filter", "label=com.docker.compose.service=svc0", "--filter", "status=running"]), "\(calls)")
        #expect(calls.contains(["exec", "fake-edge-svc0", "pg_isready", "-U", "postgres"]), "\(calls)")
        let failing = try await box.rollback(["check"], environment: ["FAKE_DOCKER_EXEC_STATUS": "svc0=2"])
        #expect(failing.status == 4, "\(failing.stdout) \(failing.stderr)")
        #expect(failing.stdout.contains("pg_isready -U postgres in svc0 exited 2"), "\(failing.stdout)")
    }

    @Test func execCheckFailsWhenTheServiceHasNoRunningContainer() async throws {
        let box = try await box(checks: ["{name: db-ready, service: svc0, exec: [pg_isready], retries: 0, interval_seconds: 1}"])
        let result = try await box.rollback(["check"], environment: ["FAKE_DOCKER_STOPPED": "svc0"])
        #expect(result.status == 4, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("service svc0 has no running container"), "\(result.stdout)")
    }

    @Test func commandCheckUsesItsExitCodeAndItsTimeout() async throws {
        let flag = try TemporaryDirectory("flag")
        let box = try await box(checks: [
            "{name: ready, service: svc0, command: [test, -e, \"\(flag.file("ready"))\"], retries: 0, interval_seconds: 1}",
        ])
        let failing = try await box.rollback(["check"])
        #expect(failing.status == 4 && failing.stdout.contains("exited 1"), "\(failing.stdout)")

        // The slow command records its process id, then sleeps far longer than its timeout.
        let pidFile = flag.file("slow.pid")
        let slow = try await self.box(checks: [
            "{name: slow, service: svc0, command: [sh, -c, \"echo $$ > \(pidFile); exec sleep 300\"], timeout_seconds: 1, retries: 0, interval_seconds: 1}",
        ])
        let result = try await slow.rollback(["check"])
        #expect(result.status == 4 && result.stdout.contains("did not finish within 1 s"), "\(result.stdout)")
        // Not a clock: the command the timeout gave up on must be gone, not left running.
        let pid = try #require(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) == -1 && errno == ESRCH, "the timed-out check command (pid \(pid)) is still running")
    }
}
