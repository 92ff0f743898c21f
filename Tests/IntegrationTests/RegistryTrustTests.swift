import Foundation
import ImagesmithCommands
import Testing
import TestSupport

/// The operator's first hour with real registries: per-registry CAs where docker and the
/// containers tools keep them (certs.d), added to the system's trust for that registry only;
/// and credentials scoped to a namespace of a registry, the most specific key winning.
@Suite struct RegistryTrustTests {
    func run(_ references: [String], setup: RegistrySetup, environment: [String: String] = [:]) async -> ResolveRun {
        let capture = Capture()
        var env = environment
        env["HOME"] = env["HOME"] ?? "/nonexistent-home-for-tests"
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let code = await ResolveRunner(references: references, registry: setup, environment: env,
                                       output: CommandOutput(writeOut: { capture.appendOut($0) }, writeErr: { capture.appendErr($0) })).run()
        let (out, err) = capture.texts
        return ResolveRun(code: code.rawValue, stdout: out, stderr: err)
    }

    @Test func aPrivateCARegistryAndAPublicOneArePinnedInOneRun() async throws {
        let seed = try await SeededImages.shared()
        let certs = try TemporaryDirectory("certs-d")
        let site = try await TLSMaterial.create(in: certs, name: "site")
        let publicCA = try await TLSMaterial.create(in: certs, name: "public")
        let privateRegistry = try await RegistryServer.start(storage: seed.storage, tls: site)
        let publicRegistry = try await RegistryServer.start(storage: seed.storage, tls: publicCA)
        // A second registry with a certificate from the same private CA: the CA is trusted for
        // the first registry only, so this one must not be.
        let elsewhere = try await RegistryServer.start(storage: seed.storage, tls: site)
        try FileManager.default.createDirectory(atPath: certs.file("d/\(privateRegistry.host)"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: site.caCert, toPath: certs.file("d/\(privateRegistry.host)/ca.crt"))
        // The machine's trust, stood in for by the "public" CA (the tests cannot add to the real one).
        let system = Array(try Data(contentsOf: URL(fileURLWithPath: publicCA.caCert)))
        let setup = RegistrySetup(jobs: 4, deadline: 60, useCache: false, certsDirectories: [certs.file("d")],
                                  onlyNamedCertsDirectories: true, systemTrust: system)
        let both = await run(["\(privateRegistry.host)/\(seed.single.repository):v1", "\(publicRegistry.host)/\(seed.single.repository):v1"], setup: setup)
        #expect(both.code == 0, "\(both.stderr)")
        #expect(both.stdout.split(separator: "\n").count == 2)
        let other = await run(["\(elsewhere.host)/\(seed.single.repository):v1"], setup: setup)
        #expect(other.code == 69, "\(other.stdout)")
        #expect(other.stderr.contains("TLS verification failed"), "\(other.stderr)")
        // --ca-file still means: only these CAs, for every registry.
        var only = setup
        only.caFile = site.caCert
        let replaced = await run(["\(publicRegistry.host)/\(seed.single.repository):v1"], setup: only)
        #expect(replaced.code == 69, "\(replaced.stdout)")
    }

    /// Credentials for `host/team-a` are sent for `host/team-a/...` and never for another
    /// namespace of the same host, even when that namespace has no key of its own.
    @Test func namespaceScopedCredentialsGoOnlyWhereTheyBelong() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage, auth: .basic(user: "edge", password: "s3cret-Pa55"))
        let home = try TemporaryDirectory("auth-namespaces")
        func key(_ user: String, _ password: String) -> String { Data("\(user):\(password)".utf8).base64EncodedString() }
        // seed repositories are edge/<name>: the right key is the edge namespace's.
        try home.write("auth.json", """
            {"auths": {
              "\(registry.host)/edge": {"auth": "\(key("edge", "s3cret-Pa55"))"},
              "\(registry.host)/edge/single-wrong": {"auth": "\(key("edge", "wrong"))"},
              "\(registry.host)/team-b": {"auth": "\(key("edge", "team-b-password"))"}
            }}
            """, mode: 0o600)
        let setup = RegistrySetup(insecureRegistries: [registry.host], jobs: 2, deadline: 60, useCache: false, authFile: home.file("auth.json"))
        let ok = await run(["\(registry.host)/\(seed.single.repository):v1"], setup: setup)
        #expect(ok.code == 0, "\(ok.stderr)")
        // A key for the host's other namespace is not sent: the registry sees no credentials.
        try home.write("other.json", #"{"auths": {"\#(registry.host)/team-b": {"auth": "\#(key("edge", "s3cret-Pa55"))"}}}"#, mode: 0o600)
        var other = setup
        other.authFile = home.file("other.json")
        let refused = await run(["\(registry.host)/\(seed.single.repository):v1"], setup: other)
        #expect(refused.code == 69, "\(refused.stdout)")
        #expect(refused.stderr.contains("no credentials for edge/single were found"), "\(refused.stderr)")
        // A named file that is not there is an error, not anonymous access.
        var missing = setup
        missing.authFile = home.file("absent.json")
        let absent = await run(["\(registry.host)/\(seed.single.repository):v1"], setup: missing)
        #expect(absent.code == 66, "\(absent.stderr)")
    }
}
