import Foundation

/// Debian's etcd-server (3.4) on free loopback ports with a data directory of its own, one per
/// test suite: real Raft, real MVCC, real auth. `restart()` stops it and starts it again on the
/// same ports and data (a store that goes away mid-rollout and comes back with everything).
public final class EtcdServer: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public private(set) var clientPort: Int
    let peerPort: Int
    /// The address clients reach it at (loopback, or the host side of a box's link).
    public let host: String
    private var server: ServerProcess?

    public var endpoint: String { "http://\(host):\(clientPort)" }

    public init(host: String = "127.0.0.1") throws {
        directory = try TemporaryDirectory("etcd")
        peerPort = try ProcessSupport.freePort()
        self.host = host
        var chosen = 0
        let directory = self.directory, peerPort = self.peerPort
        server = try ServerProcess("etcd", logPath: directory.file("etcd.log"), host: host) { port in
            chosen = port
            return Self.arguments(directory: directory, clientPort: port, peerPort: peerPort, host: host)
        }
        clientPort = chosen
    }

    static func arguments(directory: TemporaryDirectory, clientPort: Int, peerPort: Int, host: String = "127.0.0.1") -> [String] {
        [
            "--name", "edge-test", "--data-dir", directory.file("data"),
            "--listen-client-urls", "http://\(host):\(clientPort)", "--advertise-client-urls", "http://\(host):\(clientPort)",
            "--listen-peer-urls", "http://127.0.0.1:\(peerPort)", "--initial-advertise-peer-urls", "http://127.0.0.1:\(peerPort)",
            "--initial-cluster", "edge-test=http://127.0.0.1:\(peerPort)", "--log-level", "warn",
            "--auth-token", "simple",
            // The tests' passwords are random or throwaway: bcrypt's cheapest cost keeps an
            // authentication from taking a loaded machine's second.
            "--bcrypt-cost", "4",
        ]
    }

    /// Stops the server (SIGKILL: no clean shutdown) and starts it again on the same data.
    public func restart() throws {
        server?.stop()
        server = nil
        server = try ServerProcess("etcd", Self.arguments(directory: directory, clientPort: clientPort, peerPort: peerPort, host: host),
                                   port: clientPort, logPath: directory.file("etcd-\(UUID().uuidString.prefix(4)).log"), host: host)
    }

    public func stop() {
        server?.stop()
        server = nil
    }

    /// The server's resident memory, from /proc.
    public var residentBytes: Int? {
        guard let pid = server?.pid, let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kb * 1024
    }

    deinit { stop() }
}
