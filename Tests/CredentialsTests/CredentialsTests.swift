import Foundation
import ImageReference
import RegistryClient
import Testing
import TestSupport
@testable import Credentials

@Suite struct DockerConfigTests {
    func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    @Test(arguments: [
        // An explicit file is read alone.
        (["REGISTRY_AUTH_FILE": "/a/auth.json", "DOCKER_CONFIG": "/b", "HOME": "/h", "XDG_RUNTIME_DIR": "/run/u"], nil, ["/a/auth.json"], true),
        (["REGISTRY_AUTH_FILE": "/a/auth.json", "HOME": "/h"], "/cli.json", ["/cli.json"], true),
        // Otherwise the containers tools' order.
        (["HOME": "/h", "XDG_RUNTIME_DIR": "/run/u"], nil, ["/run/u/containers/auth.json", "/h/.config/containers/auth.json", "/h/.docker/config.json"], false),
        (["HOME": "/h", "XDG_CONFIG_HOME": "/cfg", "DOCKER_CONFIG": "/b"], nil, ["/cfg/containers/auth.json", "/b/config.json"], false),
        (["HOME": "/h"], nil, ["/h/.config/containers/auth.json", "/h/.docker/config.json"], false),
        ([:], nil, [], false),
    ] as [([String: String], String?, [String], Bool)])
    func filesAreReadInTheContainersToolsOrder(environment: [String: String], authFile: String?, paths: [String], explicit: Bool) {
        let found = AuthFiles.locations(environment: environment, authFile: authFile)
        #expect(found.paths == paths)
        #expect(found.explicit == explicit)
    }

    @Test func theFirstFileWithACredentialAnswersAndANamedFileMustExist() async throws {
        let directory = try TemporaryDirectory("auth-files")
        try directory.write("run/containers/auth.json", #"{"auths": {"a.example/team": {"auth": "\#(b64("run:1"))"}}}"#)
        try directory.write("home/.config/containers/auth.json", #"{"auths": {"a.example": {"auth": "\#(b64("config:2"))"}, "b.example": {"auth": "\#(b64("config:3"))"}}}"#)
        try directory.write("home/.docker/config.json", #"{"auths": {"c.example": {"auth": "\#(b64("docker:4"))"}}}"#)
        let environment = ["HOME": directory.file("home"), "XDG_RUNTIME_DIR": directory.file("run")]
        let files = try AuthFiles.load(environment: environment)
        #expect(files.configs.count == 3)
        let provider = DockerCredentialProvider(files: files, environment: environment)
        func credential(_ registry: String, _ repository: String) async throws -> RegistryCredential? {
            try await provider.credential(for: Registry(registry), repository: Repository(repository), deadline: .now + .seconds(300))
        }
        #expect(try await credential("a.example", "team/app") == .basic(username: "run", password: "1"))
        #expect(try await credential("a.example", "other/app") == .basic(username: "config", password: "2"))
        #expect(try await credential("b.example", "x") == .basic(username: "config", password: "3"))
        #expect(try await credential("c.example", "x") == .basic(username: "docker", password: "4"))
        #expect(try await credential("d.example", "x") == nil)
        #expect(throws: CredentialsError.missingConfig(path: directory.file("absent.json"))) {
            try AuthFiles.load(environment: environment, authFile: directory.file("absent.json"))
        }
        try FileManager.default.createDirectory(atPath: directory.file("adir"), withIntermediateDirectories: true)
        #expect(mkfifo(directory.file("fifo"), 0o600) == 0)
        for path in [directory.file("adir"), directory.file("fifo")] {
            do {
                _ = try AuthFiles.load(environment: [:], authFile: path)
                Issue.record("expected a refusal for \(path)")
            } catch {
                #expect(error.exitStatus == .noInput, "\(error)")
                #expect(error.description.contains("not a regular file"), "\(error)")
            }
        }
    }

    /// containers-auth.json(5): `host/a/b/c`, `host/a/b`, `host/a`, `host`; a key for
    /// another namespace of the same host is never sent.
    @Test(arguments: [
        ("registry.example/team-a/app", ["registry.example/team-a": "a", "registry.example/team-b": "b", "registry.example": "host"], "a"),
        ("registry.example/team-a/sub/app", ["registry.example/team-a/sub": "sub", "registry.example/team-a": "a"], "sub"),
        ("registry.example/team-a/app", ["registry.example/team-a/app": "repo", "registry.example/team-a": "a"], "repo"),
        ("registry.example/team-c/app", ["registry.example/team-a": "a", "registry.example/team-b": "b", "registry.example": "host"], "host"),
        ("registry.example/team-c/app", ["registry.example/team-a": "a", "registry.example/team-b": "b"], nil),
        ("registry.example/team-ab/app", ["registry.example/team-a": "a"], nil),
        ("registry.example:5000/team-a/app", ["registry.example/team-a": "no-port", "registry.example:5000/team-a": "port"], "port"),
        ("nginx", ["docker.io/library": "library", "https://index.docker.io/v1/": "hub"], "library"),
        ("acme/tool", ["docker.io/library": "library", "https://index.docker.io/v1/": "hub"], "hub"),
        ("Registry.Example/team-a/app".lowercased(), ["REGISTRY.example/Team-A": "folded"], "folded"),
    ] as [(String, [String: String], String?)])
    func theMostSpecificNamespaceKeyWins(reference: String, keys: [String: String], user: String?) throws {
        var json = #"{"auths": {"#
        json += keys.sorted(by: { $0.key < $1.key }).map { #""\#($0.key)": {"auth": "\#(b64($0.value + ":pw"))"}"# }.joined(separator: ", ")
        json += "}}"
        let config = try DockerConfig.parse(Data(json.utf8), path: "/auth.json")
        let parsed = try Reference(parsing: reference)
        #expect(config.entry(for: parsed.registry, parsed.repository)?.entry.username == user)
    }

    @Test(arguments: [
        ("https://index.docker.io/v1/", "docker.io"),
        ("index.docker.io", "docker.io"),
        ("registry-1.docker.io", "docker.io"),
        ("docker.io", "docker.io"),
        ("HTTPS://Ghcr.IO/", "ghcr.io"),
        ("http://127.0.0.1:5000/v2/", "127.0.0.1:5000"),
        ("registry.example:443", "registry.example:443"),
        ("ghcr.io/acme/team-a/", "ghcr.io/acme/team-a"),
        ("https://ghcr.io/acme/team-a", "ghcr.io"),
    ])
    func keysNormalize(key: String, normalized: String) {
        #expect(DockerConfig.normalize(key) == normalized)
    }

    @Test func parsesAuthsIdentityTokensHelpersAndStore() throws {
        let json = """
            {"auths": {
               "https://index.docker.io/v1/": {"auth": "\(b64("hubuser:hub:pass:with:colons"))"},
               "ghcr.io": {"auth": "", "identitytoken": "refresh-1"},
               "quay.io": {"username": "q", "password": "p"},
               "empty.example": {}
             },
             "credHelpers": {"123.dkr.ecr.us-east-1.amazonaws.com": "ecr-login"},
             "credsStore": "desktop"}
            """
        let config = try DockerConfig.parse(Data(json.utf8), path: "/c.json")
        #expect(config.auths["docker.io"]?.credential == .basic(username: "hubuser", password: "hub:pass:with:colons"))
        #expect(config.auths["ghcr.io"]?.credential == .identityToken("refresh-1"))
        #expect(config.auths["quay.io"]?.credential == .basic(username: "q", password: "p"))
        #expect(config.auths["empty.example"]?.credential == nil)
        #expect(config.credHelpers["123.dkr.ecr.us-east-1.amazonaws.com"] == "ecr-login")
        #expect(config.credsStore == "desktop")
    }

    @Test func badBase64NamesTheFileAndFieldButNotTheValue() throws {
        let json = #"{"auths": {"ghcr.io": {"auth": "!!!not base64 SECRETVALUE"}}}"#
        #expect(throws: CredentialsError.malformedAuth(path: "/c.json", key: "ghcr.io", detail: "is not valid base64 text")) {
            try DockerConfig.parse(Data(json.utf8), path: "/c.json")
        }
        let missingColon = #"{"auths": {"ghcr.io": {"auth": "\#(b64("nocolon"))"}}}"#
        do {
            _ = try DockerConfig.parse(Data(missingColon.utf8), path: "/c.json")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "/c.json: /auths/ghcr.io/auth has no ':' between username and password; expected base64 of username:password")
            #expect(error.exitStatus == .dataError)
        }
    }

    @Test func malformedJSONIsAnError() {
        #expect(throws: CredentialsError.self) { try DockerConfig.parse(Data("{not json".utf8), path: "/c.json") }
        #expect(throws: CredentialsError.self) { try DockerConfig.parse(Data(#"{"auths": []}"#.utf8), path: "/c.json") }
    }

    @Test func missingDefaultFilesMeanNoCredentials() throws {
        let files = try AuthFiles.load(environment: ["DOCKER_CONFIG": "/nonexistent-\(UUID().uuidString)", "HOME": "/nonexistent-\(UUID().uuidString)"])
        #expect(files.configs.isEmpty)
    }
}

@Suite struct CredentialHelperTests {
    func helper(_ directory: TemporaryDirectory, name: String, script: String) throws -> [String: String] {
        try directory.write("bin/docker-credential-\(name)", "#!/bin/sh\n" + script, mode: 0o755)
        return ["PATH": directory.file("bin") + ":/usr/bin:/bin"]
    }

    @Test func helperAnswersUsernameAndSecret() async throws {
        let directory = try TemporaryDirectory("helper")
        let env = try helper(directory, name: "t", script: #"read s; [ "$1" = get ] && echo "{\"ServerURL\":\"$s\",\"Username\":\"u-$s\",\"Secret\":\"p\"}""#)
        let answer = try await CredentialHelper(name: "t", environment: env).get(serverURL: "ghcr.io")
        #expect(answer?.username == "u-ghcr.io")
        #expect(answer?.secret == "p")
    }

    @Test func notFoundMeansAnonymous() async throws {
        let directory = try TemporaryDirectory("helper")
        let env = try helper(directory, name: "t", script: "echo 'credentials not found in native keychain'; exit 1")
        #expect(try await CredentialHelper(name: "t", environment: env).get(serverURL: "ghcr.io") == nil)
    }

    /// A helper's stdout is never shown in an error: a helper that printed its answer and then
    /// failed would have the secret in it. Its stderr is, on one printable line, unless it
    /// repeats what was on stdout.
    @Test(arguments: [
        ("echo '{\"Secret\":\"leak-me-0042\"}'; echo 'keychain locked' >&2; exit 3", "exit status 3: keychain locked"),
        ("echo '{\"Username\":\"u\",\"Secret\":\"leak-me-0042\"}'; exit 1", "exit status 1"),
        ("echo 'leak-me-0042'; echo 'bad secret leak-me-0042' >&2; exit 2", "exit status 2 (its message is not shown: it repeats what the helper wrote on stdout)"),
        ("printf 'locked\\033[2J\\nsecond line leak-me-0042\\n' >&2; exit 4", "exit status 4: locked\\u{1b}[2J"),
    ])
    func aFailedHelperNeverHasItsStdoutShown(script: String, detail: String) async throws {
        let directory = try TemporaryDirectory("helper")
        let env = try helper(directory, name: "t", script: script)
        do {
            _ = try await CredentialHelper(name: "t", environment: env).get(serverURL: "ghcr.io")
            Issue.record("expected an error")
        } catch {
            #expect(error == .helperFailed(helper: "t", detail: detail))
            #expect(!error.description.contains("leak-me"))
        }
    }

    @Test func aHelperGetsOnlyWhatRemainsOfTheDeadline() async throws {
        let directory = try TemporaryDirectory("helper")
        let env = try helper(directory, name: "t", script: "exec sleep 60")
        // Stopped for the deadline (its own 30 s timeout would say helperTimedOut).
        await #expect(throws: CredentialsError.helperPastDeadline(helper: "t")) {
            try await CredentialHelper(name: "t", environment: env).get(serverURL: "x", deadline: .now + .milliseconds(400))
        }
        await #expect(throws: CredentialsError.helperPastDeadline(helper: "t")) {
            try await CredentialHelper(name: "t", environment: env).get(serverURL: "x", deadline: .now - .seconds(1))
        }
    }

    @Test func missingHelperIsNamed() async throws {
        await #expect(throws: CredentialsError.helperNotFound(helper: "absent")) {
            try await CredentialHelper(name: "absent", environment: ["PATH": "/nonexistent"]).get(serverURL: "x")
        }
    }

    @Test func hungHelperIsKilledAtItsTimeout() async throws {
        let directory = try TemporaryDirectory("helper")
        let env = try helper(directory, name: "t", script: "exec sleep 60")
        await #expect(throws: CredentialsError.helperTimedOut(helper: "t")) {
            try await CredentialHelper(name: "t", environment: env, timeout: .milliseconds(300)).get(serverURL: "x")
        }
    }

    @Test func tokenUsernameMeansIdentityTokenAndHubUsesItsV1URL() async throws {
        let directory = try TemporaryDirectory("helper")
        var env = try helper(directory, name: "t", script: #"read s; echo "$s" > \#(directory.file("asked")); echo '{"Username":"<token>","Secret":"refresh-9"}'"#)
        env["HOME"] = "/nonexistent"
        let provider = DockerCredentialProvider(config: DockerConfig(credsStore: "t"), environment: env)
        #expect(try await provider.credential(for: .dockerHub, repository: Repository("library/nginx"), deadline: .now + .seconds(300)) == .identityToken("refresh-9"))
        #expect(try String(contentsOfFile: directory.file("asked"), encoding: .utf8) == "https://index.docker.io/v1/\n")
    }

    @Test func orderIsHelperThenInlineThenStore() async throws {
        let directory = try TemporaryDirectory("helper")
        var env = try helper(directory, name: "host", script: #"echo '{"Username":"from-helper","Secret":"1"}'"#)
        _ = try helper(directory, name: "store", script: #"echo '{"Username":"from-store","Secret":"2"}'"#)
        env["HOME"] = "/nonexistent"
        let config = DockerConfig(
            auths: ["a.example": .init(username: "inline", password: "3"), "b.example": .init(username: "inline", password: "4")],
            credHelpers: ["a.example": "host"], credsStore: "store")
        let provider = DockerCredentialProvider(config: config, environment: env)
        let repository = try Repository("x/y")
        #expect(try await provider.credential(for: Registry("a.example"), repository: repository, deadline: .now + .seconds(300)) == .basic(username: "from-helper", password: "1"))
        #expect(try await provider.credential(for: Registry("b.example"), repository: repository, deadline: .now + .seconds(300)) == .basic(username: "inline", password: "4"))
        #expect(try await provider.credential(for: Registry("c.example"), repository: repository, deadline: .now + .seconds(300)) == .basic(username: "from-store", password: "2"))
    }
}
