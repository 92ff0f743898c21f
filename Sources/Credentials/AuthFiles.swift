import Basics
import Foundation
import HostIO

/// The credentials files a run reads, in the order the containers tools read them
/// (containers-auth.json(5)): a file named explicitly (`--authfile`, else
/// `REGISTRY_AUTH_FILE`) alone; otherwise `$XDG_RUNTIME_DIR/containers/auth.json`,
/// `${XDG_CONFIG_HOME:-~/.config}/containers/auth.json`, then docker's
/// `$DOCKER_CONFIG/config.json` (or `~/.docker/config.json` when `DOCKER_CONFIG` is unset).
/// The first file that has a credential for a repository answers for it.
public struct AuthFiles: Sendable, Equatable {
    public var configs: [DockerConfig]

    public init(_ configs: [DockerConfig]) { self.configs = configs }

    /// Where to look, in order, and whether the list was named explicitly (then a missing
    /// file is an error rather than "no credentials").
    public static func locations(environment: [String: String], authFile: String? = nil) -> (paths: [String], explicit: Bool) {
        if let authFile, !authFile.isEmpty { return ([authFile], true) }
        if let file = environment["REGISTRY_AUTH_FILE"], !file.isEmpty { return ([file], true) }
        var paths: [String] = []
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { paths.append(runtime + "/containers/auth.json") }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            paths.append(config + "/containers/auth.json")
        } else if let home {
            paths.append(home + "/.config/containers/auth.json")
        }
        if let directory = environment["DOCKER_CONFIG"], !directory.isEmpty {
            paths.append(directory + "/config.json")
        } else if let home {
            paths.append(home + "/.docker/config.json")
        }
        return (paths, false)
    }

    /// Reads every file that exists (a malformed one is an error, naming it).
    public static func load(environment: [String: String], authFile: String? = nil) throws(CredentialsError) -> AuthFiles {
        let (paths, explicit) = locations(environment: environment, authFile: authFile)
        var configs: [DockerConfig] = []
        for path in paths {
            let outcome = BoundedFile.read(path, limit: DockerConfig.maximumBytes)
            switch outcome {
            case .bytes(let bytes):
                configs.append(try DockerConfig.parse(Data(bytes), path: path))
            case .missing:
                if explicit { throw .missingConfig(path: path) }
            default:
                throw .unreadableConfig(path: path, detail: BoundedFile.problem(outcome, limit: DockerConfig.maximumBytes) ?? "")
            }
        }
        return AuthFiles(configs)
    }
}
