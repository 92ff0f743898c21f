import Foundation
import OCILayout

/// Where the test fixtures (Python token server, fault proxy) live.
public enum Fixtures {
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    public static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// Certificates made with the openssl CLI for one test: a CA and a server certificate for
/// 127.0.0.1 and localhost signed by it.
public struct TLSMaterial: Sendable {
    public var caCert: String
    public var serverCert: String
    public var serverKey: String

    public static func make(in directory: TemporaryDirectory, name: String = "ca", ipAddresses: [String] = ["127.0.0.1"]) throws -> TLSMaterial {
        let ca = directory.file("\(name).crt"), caKey = directory.file("\(name).key")
        let key = directory.file("\(name)-server.key"), csr = directory.file("\(name)-server.csr"), cert = directory.file("\(name)-server.crt")
        let ext = try directory.write("\(name)-ext.cnf", "subjectAltName=\(ipAddresses.map { "IP:\($0)" }.joined(separator: ",")),DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
        try ProcessSupport.check("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", ca, "-days", "2", "-subj", "/CN=edge test CA \(name)", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try ProcessSupport.check("openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=\(ipAddresses.first ?? "127.0.0.1")"])
        try ProcessSupport.check("openssl", ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext])
        return TLSMaterial(caCert: ca, serverCert: cert, serverKey: key)
    }
}

/// Debian's docker-registry (CNCF distribution 2.8) on a free loopback port, configured per
/// test: plain, htpasswd Basic (bcrypt), TLS, or token auth.
public final class RegistryServer: @unchecked Sendable {
    public enum Auth: Sendable {
        case none
        case basic(user: String, password: String)
        case token(realm: String, service: String, issuer: String, rootCertBundle: String)
    }

    public let port: Int
    public let directory: TemporaryDirectory
    let server: ServerProcess

    public var host: String { "127.0.0.1:\(port)" }

    public init(storage: String, auth: Auth = .none, tls: TLSMaterial? = nil) throws {
        directory = try TemporaryDirectory("registry")
        let directory = self.directory
        server = try ServerProcess("docker-registry", logPath: directory.file("registry.log")) { port in
            var config = """
                version: 0.1
                log:
                  level: warn
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: \(storage)
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:\(port)
                  secret: edge-test-secret

                """
            if let tls {
                config += "  tls:\n    certificate: \(tls.serverCert)\n    key: \(tls.serverKey)\n"
            }
            switch auth {
            case .none:
                break
            case .basic(let user, let password):
                let line = try ProcessSupport.check("htpasswd", ["-Bbn", user, password]).trimmingCharacters(in: .whitespacesAndNewlines)
                let file = try directory.write("htpasswd", line + "\n")
                config += "auth:\n  htpasswd:\n    realm: edge-test\n    path: \(file)\n"
            case .token(let realm, let service, let issuer, let bundle):
                config += "auth:\n  token:\n    realm: \(realm)\n    service: \(service)\n    issuer: \(issuer)\n    rootcertbundle: \(bundle)\n"
            }
            return ["serve", try directory.write("config.yml", config)]
        }
        port = server.port
    }

    public func stop() { server.stop() }
    public var log: String { server.log }
}

/// The token server fixture (Tests/TestSupport/Fixtures/token_server.py).
public final class TokenServer: @unchecked Sendable {
    public let port: Int
    public let cert: String
    public let logPath: String
    public let directory: TemporaryDirectory
    let server: ServerProcess

    public var realm: String { "http://127.0.0.1:\(port)/token" }

    public init(user: String? = nil, password: String? = nil, refreshToken: String? = nil, field: String = "token", emptyFirst: Int = 0) throws {
        directory = try TemporaryDirectory("token")
        let key = directory.file("signing.key")
        cert = directory.file("signing.crt")
        try ProcessSupport.check("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=edge test token issuer"])
        logPath = directory.file("requests.jsonl")
        let (cert, logPath) = (cert, logPath)
        server = try ServerProcess("python3", logPath: directory.file("server.log")) { port in
            var arguments = [Fixtures.path("token_server.py"), "--port", "\(port)", "--key", key, "--cert", cert, "--log", logPath, "--field", field, "--empty-first", "\(emptyFirst)"]
            if let user, let password { arguments += ["--user", user, "--password", password] }
            if let refreshToken { arguments += ["--refresh-token", refreshToken] }
            return arguments
        }
        port = server.port
    }

    /// One entry per token request the server answered.
    public func requests() -> [[String: Any]] {
        JSONLines.read(logPath)
    }
}

/// The fault-injecting proxy fixture (Tests/TestSupport/Fixtures/fault_proxy.py).
public final class FaultProxy: @unchecked Sendable {
    public let port: Int
    public let logPath: String
    public let directory: TemporaryDirectory
    let server: ServerProcess

    /// The upstream server object, kept alive as long as the proxy.
    let upstreamServer: RegistryServer?

    public var host: String { "127.0.0.1:\(port)" }

    public convenience init(upstream: RegistryServer, mode: String, extra: [String] = []) throws {
        try self.init(upstream: upstream.host, mode: mode, extra: extra, keeping: upstream)
    }

    public init(upstream: String, mode: String, extra: [String] = [], keeping upstreamServer: RegistryServer? = nil) throws {
        self.upstreamServer = upstreamServer
        directory = try TemporaryDirectory("proxy")
        logPath = directory.file("requests.jsonl")
        let logPath = self.logPath
        server = try ServerProcess("python3", logPath: directory.file("proxy.log")) { port in
            [Fixtures.path("fault_proxy.py"), "--port", "\(port)", "--upstream", upstream, "--mode", mode, "--log", logPath] + extra
        }
        port = server.port
    }

    public func requests() -> [[String: Any]] { JSONLines.read(logPath) }
    public var log: String { server.log }
}

enum JSONLines {
    static func read(_ path: String) -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}

// Async starts: a server's start polls until it listens (and TLS material runs openssl), so
// async tests start servers on a GCD thread, never holding one of the cooperative pool's
// threads (2 on these machines) while other tests' in-process work waits for it.

extension RegistryServer {
    public static func start(storage: String, auth: Auth = .none, tls: TLSMaterial? = nil) async throws -> RegistryServer {
        try await ProcessSupport.detached { try RegistryServer(storage: storage, auth: auth, tls: tls) }
    }
}

extension TokenServer {
    public static func start(user: String? = nil, password: String? = nil, refreshToken: String? = nil, field: String = "token", emptyFirst: Int = 0) async throws -> TokenServer {
        try await ProcessSupport.detached {
            try TokenServer(user: user, password: password, refreshToken: refreshToken, field: field, emptyFirst: emptyFirst)
        }
    }
}

extension FaultProxy {
    public static func start(upstream: RegistryServer, mode: String, extra: [String] = []) async throws -> FaultProxy {
        try await ProcessSupport.detached { try FaultProxy(upstream: upstream, mode: mode, extra: extra) }
    }

    public static func start(upstream: String, mode: String, extra: [String] = []) async throws -> FaultProxy {
        try await ProcessSupport.detached { try FaultProxy(upstream: upstream, mode: mode, extra: extra) }
    }
}

extension TLSMaterial {
    /// `make` (openssl) on a GCD thread, for async tests.
    public static func create(in directory: TemporaryDirectory, name: String = "ca", ipAddresses: [String] = ["127.0.0.1"]) async throws -> TLSMaterial {
        try await ProcessSupport.detached { try TLSMaterial.make(in: directory, name: name, ipAddresses: ipAddresses) }
    }
}
