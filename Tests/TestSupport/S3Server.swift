import Foundation

/// A local S3: moto's server mode (PyPI `moto[server]`, pinned by scripts/install-deps) on a
/// free loopback port, one per test suite. Real HTTP, real S3 wire format (XML listings,
/// ETags, conditional requests answered 304/412). It checks signatures and access policies only
/// with its IAM emulation switched on (`checkingSignatures`).
public final class S3Server: @unchecked Sendable {
    public let directory: TemporaryDirectory
    private var server: ServerProcess?

    public var endpoint: String { "http://127.0.0.1:\(server?.port ?? 0)" }

    /// `checkingSignatures`: moto's IAM emulation on (every request after the first three is
    /// signed, its signature and its key's policy checked); set it up with s3_iam.py.
    public init(checkingSignatures: Bool = false) throws {
        directory = try TemporaryDirectory("moto")
        // Through env(1), not a script written here and run at once: a script still open for
        // writing in a child another test's thread forked meanwhile cannot be run (ETXTBSY).
        let switches = checkingSignatures ? ["INITIAL_NO_AUTH_ACTION_COUNT=3"] : ["-u", "INITIAL_NO_AUTH_ACTION_COUNT"]
        server = try ServerProcess("env", logPath: directory.file("moto.log")) { port in
            switches + ["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)]
        }
    }

    public var log: String { server?.log ?? "" }

    public func stop() {
        server?.stop()
        server = nil
    }

    deinit { stop() }
}
