import Foundation
import ImageReference
import RegistryClient
import Testing
import TestSupport
@testable import Credentials

@Suite struct DockerConfigTests {
    func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    @Test func locationPrefersRegistryAuthFileThenDockerConfigThenHome() {
        #expect(DockerConfig.location(environment: ["REGISTRY_AUTH_FILE": "/a/auth.json", "DOCKER_CONFIG": "/b", "HOME": "/h"]) == "/a/auth.json")
        #expect(DockerConfig.location(environment: ["DOCKER_CONFIG": "/b", "HOME": "/h"]) == "/b/config.json")
        #expect(DockerConfig.location(environment: ["HOME": "/h"]) == "/h/.docker/config.json")
        #expect(DockerConfig.location(environment: [:]) == nil)
    }

    @Test(arguments: [
        ("https://index.docker.io/v1/", "docker.io"),
        ("index.docker.io", "docker.io"),
        ("registry-1.docker.io", "docker.io"),
        ("docker.io", "docker.io"),
        ("HTTPS://Ghcr.IO/", "ghcr.io"),
        ("http://127.0.0.1:5000/v2/", "127.0.0.1:5000"),
        ("registry.example:443", "registry.example:443"),
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

    @Test func missingFileMeansNoCredentials() throws {
        let config = try DockerConfig.load(environment: ["DOCKER_CONFIG": "/nonexistent-\(UUID().uuidString)"])
        #expect(config.auths.isEmpty && config.credHelpers.isEmpty && config.credsStore == nil)
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

    @Test func failureIsAnErrorWithoutTheHelpersStdout() async throws {
        let directory = try TemporaryDirectory("helper")
        let env = try helper(directory, name: "t", script: "echo '{\"Secret\":\"leak-me\"}'; echo 'keychain locked' >&2; exit 3")
        await #expect(throws: CredentialsError.helperFailed(helper: "t", detail: "exit status 3: keychain locked")) {
            try await CredentialHelper(name: "t", environment: env).get(serverURL: "ghcr.io")
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
        #expect(try await provider.credential(for: .dockerHub) == .identityToken("refresh-9"))
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
        #expect(try await provider.credential(for: Registry("a.example")) == .basic(username: "from-helper", password: "1"))
        #expect(try await provider.credential(for: Registry("b.example")) == .basic(username: "inline", password: "4"))
        #expect(try await provider.credential(for: Registry("c.example")) == .basic(username: "from-store", password: "2"))
    }
}
