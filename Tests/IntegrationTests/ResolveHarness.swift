import Foundation
import ImageReference
import ImagesmithCommands
import Testing
import TestSupport

/// Runs `imagesmith resolve` in-process with its own environment and captured output.
struct ResolveRun {
    var code: Int32
    var stdout: String
    var stderr: String

    var json: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [[String: Any]]) ?? []
    }
}

final class Capture: @unchecked Sendable {
    private let lock = NSLock()
    private var out = "", err = ""
    func appendOut(_ text: String) { lock.lock(); out += text; lock.unlock() }
    func appendErr(_ text: String) { lock.lock(); err += text; lock.unlock() }
    var texts: (String, String) { lock.lock(); defer { lock.unlock() }; return (out, err) }
}

func resolve(
    _ references: [String], platform: String? = nil, json: Bool = false, caFile: String? = nil,
    insecure: [String] = [], jobs: Int = 8, deadline: Double = 60, environment: [String: String] = [:],
    cacheDirectory: String? = nil
) async -> ResolveRun {
    let capture = Capture()
    var requested: Platform?
    do { requested = try platform.map { try Platform(parsing: $0) } } catch { Issue.record("a test asked for platform \(platform ?? ""): \(error)") }
    var env = environment
    if env["HOME"] == nil { env["HOME"] = "/nonexistent-home-for-tests" }
    if env["PATH"] == nil { env["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin" }
    let runner = ResolveRunner(
        references: references, platform: requested, json: json,
        registry: RegistrySetup(caFile: caFile, insecureRegistries: insecure, jobs: jobs, deadline: deadline,
                                cacheDirectory: cacheDirectory, useCache: cacheDirectory != nil),
        environment: env,
        output: CommandOutput(writeOut: { capture.appendOut($0) }, writeErr: { capture.appendErr($0) })
    )
    let code = await runner.run()
    let (out, err) = capture.texts
    return ResolveRun(code: code.rawValue, stdout: out, stderr: err)
}

/// A docker config directory holding `config.json`.
func dockerConfig(_ directory: TemporaryDirectory, _ json: String) throws -> [String: String] {
    try directory.write("docker/config.json", json, mode: 0o600)
    return ["DOCKER_CONFIG": directory.file("docker")]
}

func basicAuthConfig(_ directory: TemporaryDirectory, host: String, user: String, password: String) throws -> [String: String] {
    let auth = Data("\(user):\(password)".utf8).base64EncodedString()
    return try dockerConfig(directory, #"{"auths": {"\#(host)": {"auth": "\#(auth)"}}}"#)
}
