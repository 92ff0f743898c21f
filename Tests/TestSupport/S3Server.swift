import Foundation

/// A local S3: moto's server mode (PyPI `moto[server]`, pinned by scripts/install-deps) on a
/// free loopback port, one per test suite. Real HTTP, real S3 wire format (XML listings,
/// ETags, conditional requests answered 304/412). It does not check signatures unless IAM
/// auth is switched on, so the signatures are proven against botocore's signer instead.
public final class S3Server: @unchecked Sendable {
    public let directory: TemporaryDirectory
    private var server: ServerProcess?

    public var endpoint: String { "http://127.0.0.1:\(server?.port ?? 0)" }

    public init() throws {
        directory = try TemporaryDirectory("moto")
        server = try ServerProcess("python3", logPath: directory.file("moto.log"), readyTimeout: 60) { port in
            ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)]
        }
    }

    public var log: String { server?.log ?? "" }

    public func stop() {
        server?.stop()
        server = nil
    }

    deinit { stop() }
}
