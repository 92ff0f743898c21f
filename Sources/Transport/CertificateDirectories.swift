import Basics
import CCurl
import FoundationEssentials
import HostIO

/// Per-registry CA certificates where docker and the containers tools keep them:
/// `DIR/HOST[:PORT]/*.crt` (docker-certs.d, containers-certs.d(5)), in the first of the
/// directories that has an entry for the host. They are added to the system's trust for
/// that host only, so a registry with a private CA and a public one are both verified in one
/// run, and the private CA vouches for nothing else.
public struct CertificateDirectories: Sendable, Equatable {
    /// Searched in order; the first with a directory for the host wins.
    public var bases: [String]

    public init(bases: [String]) { self.bases = bases }

    /// `${XDG_CONFIG_HOME:-~/.config}/containers/certs.d`, `/etc/containers/certs.d`,
    /// `/etc/docker/certs.d` (what podman, skopeo and docker read).
    public static func defaults(environment: [String: String]) -> [String] {
        var bases: [String] = []
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            bases.append(config + "/containers/certs.d")
        } else if let home = environment["HOME"], !home.isEmpty {
            bases.append(home + "/.config/containers/certs.d")
        }
        return bases + ["/etc/containers/certs.d", "/etc/docker/certs.d"]
    }

    /// The directory names that stand for `host` and `port` (docker writes `host:port`, or the
    /// bare host for the default port).
    static func names(host: String, port: Int?, scheme: String) -> [String] {
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let defaultPort = scheme == "http" ? 80 : 443
        guard let port, port != defaultPort else { return [bracketed, "\(bracketed):\(defaultPort)"] }
        return ["\(bracketed):\(port)"]
    }

    /// The PEM text of every `*.crt` in the host's directory (sorted by name), nil when no
    /// directory names the host. Files that are not regular or larger than 1 MiB are skipped.
    public func certificates(host: String, port: Int?, scheme: String = "https") -> [UInt8]? {
        for base in bases {
            for name in Self.names(host: host.lowercased(), port: port, scheme: scheme) {
                let directory = base + "/" + name
                guard FileInfo.isDirectory(directory), let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
                var pem: [UInt8] = []
                for entry in entries.sorted() where entry.hasSuffix(".crt") {
                    if case .bytes(let bytes) = BoundedFile.read(directory + "/" + entry, limit: 1 << 20) {
                        pem += bytes + [0x0a]
                    }
                }
                return pem
            }
        }
        return nil
    }
}

/// The CA bundle this machine trusts by default (the one libcurl was built to read), read once.
enum SystemTrust {
    static let path: String = edge_curl_default_cainfo().map { String(cString: $0) } ?? "/etc/ssl/certs/ca-certificates.crt"

    static let bundle: [UInt8] = {
        if case .bytes(let bytes) = BoundedFile.read(path, limit: 16 << 20) { return bytes }
        return []
    }()
}
