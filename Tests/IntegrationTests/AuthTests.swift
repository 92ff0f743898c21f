import Foundation
import Testing
import TestSupport

/// Basic auth (htpasswd, bcrypt), TLS from a CA made in the test, token auth behind the
/// test token server, and docker credential helpers.
@Suite struct AuthTests {
    @Test func basicAuthWithCredentialsFromDockerConfig() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage, auth: .basic(user: "edge", password: "s3cret-pass"))
        let home = try TemporaryDirectory("basic")
        let env = try basicAuthConfig(home, host: registry.host, user: "edge", password: "s3cret-pass")
        let run = await resolve(["\(registry.host)/\(seed.multi.repository):v1"], platform: "linux/amd64", insecure: [registry.host], environment: env)
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.stdout.contains("@\(seed.multi.digest) "))
        #expect(run.stdout.hasSuffix("@\(seed.multi.children["linux/amd64"]!)\n"))
    }

    @Test func wrongOrMissingCredentialsAreRefusedWithoutPrintingTheSecret() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage, auth: .basic(user: "edge", password: "s3cret-pass"))
        let home = try TemporaryDirectory("basic-wrong")
        let env = try basicAuthConfig(home, host: registry.host, user: "edge", password: "wrong-Pa55word")
        let wrong = await resolve(["\(registry.host)/\(seed.single.repository):v1"], insecure: [registry.host], environment: env)
        #expect(wrong.code == 69)
        #expect(wrong.stderr.contains("refused access"))
        #expect(!wrong.stderr.contains("wrong-Pa55word"))
        #expect(!wrong.stderr.contains(Data("edge:wrong-Pa55word".utf8).base64EncodedString()))

        let none = await resolve(["\(registry.host)/\(seed.single.repository):v1"], insecure: [registry.host])
        #expect(none.code == 69)
        #expect(none.stderr.contains("no credentials for edge/single were found in the credentials files"), "\(none.stderr)")
    }

    @Test func credHelpersComeBeforeCredsStore() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage, auth: .basic(user: "helper-user", password: "helper-pass"))
        let home = try TemporaryDirectory("helper")
        // Two helpers speaking the docker-credential protocol: the store has wrong credentials,
        // the per-host helper the right ones. Each records the server URL it was asked about.
        try home.write("bin/docker-credential-good", """
            #!/bin/sh
            read server
            echo "$server" >> \(home.file("good.log"))
            echo '{"ServerURL":"'"$server"'","Username":"helper-user","Secret":"helper-pass"}'
            """, mode: 0o755)
        try home.write("bin/docker-credential-store", """
            #!/bin/sh
            read server
            echo '{"ServerURL":"'"$server"'","Username":"helper-user","Secret":"nope"}'
            """, mode: 0o755)
        var env = try dockerConfig(home, #"{"credsStore": "store", "credHelpers": {"\#(registry.host)": "good"}}"#)
        env["PATH"] = home.file("bin") + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let run = await resolve(["\(registry.host)/\(seed.single.repository):v1", "\(registry.host)/\(seed.multi.repository):v1"], insecure: [registry.host], environment: env)
        #expect(run.code == 0, "\(run.stderr)")
        let asked = try String(contentsOfFile: home.file("good.log"), encoding: .utf8)
        #expect(asked == "\(registry.host)\n", "the helper runs once per registry per run")

        // Without the per-host helper, the store is used (and its wrong secret is refused).
        var storeOnly = try dockerConfig(home, #"{"credsStore": "store"}"#)
        storeOnly["PATH"] = env["PATH"]
        let refused = await resolve(["\(registry.host)/\(seed.single.repository):v1"], insecure: [registry.host], environment: storeOnly)
        #expect(refused.code == 69)
        #expect(!refused.stderr.contains("nope"))
    }

    @Test func tlsWithTheRightCAAndRefusalWithAWrongOne() async throws {
        let seed = try await SeededImages.shared()
        let certs = try TemporaryDirectory("tls")
        let tls = try await TLSMaterial.create(in: certs, name: "right")
        let other = try await TLSMaterial.create(in: certs, name: "other")
        let registry = try await RegistryServer.start(storage: seed.storage, tls: tls)
        let reference = "\(registry.host)/\(seed.multi.repository):v1"

        let ok = await resolve([reference], platform: "linux/arm64", caFile: tls.caCert)
        #expect(ok.code == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("@\(seed.multi.digest) "))

        let wrongCA = await resolve([reference], caFile: other.caCert, deadline: 10)
        #expect(wrongCA.code == 69)
        #expect(wrongCA.stderr.contains("TLS verification failed"))
        #expect(wrongCA.stdout.isEmpty)

        let systemCAs = await resolve([reference], deadline: 10)
        #expect(systemCAs.code == 69)
        #expect(systemCAs.stderr.contains("TLS verification failed"))
    }

    @Test(arguments: ["token", "access_token"])
    func tokenAuthFetchesOneTokenPerScope(field: String) async throws {
        let seed = try await SeededImages.shared()
        let tokens = try await TokenServer.start(user: "robot", password: "t0ken-pass", field: field)
        let registry = try await RegistryServer.start(storage: seed.storage, auth: .token(realm: tokens.realm, service: "edge-registry", issuer: "test-issuer", rootCertBundle: tokens.cert))
        let home = try TemporaryDirectory("token")
        let env = try basicAuthConfig(home, host: registry.host, user: "robot", password: "t0ken-pass")
        let references = [
            "\(registry.host)/\(seed.multi.repository):v1",
            "\(registry.host)/\(seed.multi.repository)@\(seed.multi.digest)",
            "\(registry.host)/\(seed.arm.repository):v1",
            "\(registry.host)/\(seed.single.repository):v1",
        ]
        let run = await resolve(references, insecure: [registry.host, "127.0.0.1:\(tokens.port)"], jobs: 4, environment: env)
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.stdout.contains("@\(seed.arm.digest)\n"))
        #expect(run.stdout.contains("@\(seed.single.digest)\n"))
        let requests = tokens.requests()
        let scopes = requests.compactMap { ($0["scopes"] as? [String])?.joined(separator: " ") }
        #expect(scopes.sorted() == [
            "repository:\(seed.arm.repository):pull",
            "repository:\(seed.multi.repository):pull",
            "repository:\(seed.single.repository):pull",
        ], "one token per (realm, service, scope) for the whole run")
        #expect(requests.allSatisfy { $0["service"] as? String == "edge-registry" && $0["authorized"] as? Bool == true })
    }

    @Test func rejectedTokenIsReplacedOnceThenTheRequestSucceeds() async throws {
        let seed = try await SeededImages.shared()
        // The first token grants nothing: the registry answers 401 with
        // error="insufficient_scope"; the resolver drops that token and fetches a new one.
        let tokens = try await TokenServer.start(emptyFirst: 1)
        let registry = try await RegistryServer.start(storage: seed.storage, auth: .token(realm: tokens.realm, service: "edge-registry", issuer: "test-issuer", rootCertBundle: tokens.cert))
        let run = await resolve(["\(registry.host)/\(seed.single.repository):v1"], insecure: [registry.host, "127.0.0.1:\(tokens.port)"])
        #expect(run.code == 0, "\(run.stderr)")
        #expect(tokens.requests().count == 2)
    }

    @Test func tokenThatNeverGrantsAccessFailsWithoutLooping() async throws {
        let seed = try await SeededImages.shared()
        let tokens = try await TokenServer.start(emptyFirst: 1000)
        let registry = try await RegistryServer.start(storage: seed.storage, auth: .token(realm: tokens.realm, service: "edge-registry", issuer: "test-issuer", rootCertBundle: tokens.cert))
        let run = await resolve(["\(registry.host)/\(seed.single.repository):v1"], insecure: [registry.host, "127.0.0.1:\(tokens.port)"])
        #expect(run.code == 69)
        #expect(run.stderr.contains("refused access"))
        #expect(tokens.requests().count == 2)
    }

    @Test func identityTokenIsExchangedWithARefreshTokenGrant() async throws {
        let seed = try await SeededImages.shared()
        let tokens = try await TokenServer.start(refreshToken: "refresh-abc-123")
        let registry = try await RegistryServer.start(storage: seed.storage, auth: .token(realm: tokens.realm, service: "edge-registry", issuer: "test-issuer", rootCertBundle: tokens.cert))
        let home = try TemporaryDirectory("identity")
        let env = try dockerConfig(home, #"{"auths": {"\#(registry.host)": {"auth": "", "identitytoken": "refresh-abc-123"}}}"#)
        let run = await resolve(["\(registry.host)/\(seed.single.repository):v1"], insecure: [registry.host, "127.0.0.1:\(tokens.port)"], environment: env)
        #expect(run.code == 0, "\(run.stderr)")
        #expect(tokens.requests().map { $0["method"] as? String } == ["POST"])
    }

    @Test func tokenRealmOverPlainHTTPIsRefusedUnlessNamedInsecure() async throws {
        let seed = try await SeededImages.shared()
        let tokens = try await TokenServer.start()
        let registry = try await RegistryServer.start(storage: seed.storage, auth: .token(realm: tokens.realm, service: "edge-registry", issuer: "test-issuer", rootCertBundle: tokens.cert))
        let run = await resolve(["\(registry.host)/\(seed.single.repository):v1"], insecure: [registry.host])
        #expect(run.code == 1)
        #expect(run.stderr.contains("refusing to use plain HTTP for \(tokens.realm)"))
        #expect(tokens.requests().isEmpty)
    }

    @Test func credentialsAreNotSentToTheHostARedirectNames() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        // "Elsewhere" is another origin (localhost, its own port) in front of the same registry.
        let elsewhere = try await FaultProxy.start(upstream: registry, mode: "pass")
        let front = try await FaultProxy.start(upstream: registry, mode: "redirect", extra: [
            "--redirect-to", "http://localhost:\(elsewhere.port)", "--require-basic", "edge:redirect-pass",
        ])
        let home = try TemporaryDirectory("redirect")
        let env = try basicAuthConfig(home, host: front.host, user: "edge", password: "redirect-pass")
        let run = await resolve(["\(front.host)/\(seed.single.repository):v1"], insecure: [front.host, "localhost:\(elsewhere.port)"], environment: env)
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.stdout.hasSuffix("@\(seed.single.digest)\n"))
        let redirected = elsewhere.requests()
        #expect(!redirected.isEmpty, "the manifest GET followed the redirect")
        #expect(redirected.allSatisfy { $0["authorization"] as? Bool == false })
        #expect(front.requests().contains { $0["authorization"] as? Bool == true })
    }

    @Test func redirectToPlainHTTPHostNotNamedInsecureIsRefused() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let elsewhere = try await FaultProxy.start(upstream: registry, mode: "pass")
        let front = try await FaultProxy.start(upstream: registry, mode: "redirect", extra: ["--redirect-to", "http://localhost:\(elsewhere.port)"])
        let run = await resolve(["\(front.host)/\(seed.single.repository):v1"], insecure: [front.host])
        #expect(run.code == 69)
        #expect(run.stderr.contains("refusing the redirect"))
        #expect(elsewhere.requests().isEmpty)
    }
}
