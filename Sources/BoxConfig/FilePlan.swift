/// What provisioning would do to the filesystem, as values: the core renders it, an adapter
/// applies it under a root directory.
public struct FilePlan: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case write(path: String, contents: [UInt8], mode: UInt16)
        case symlink(path: String, target: String)
        case remove(path: String, reason: String)

        public var path: String {
            switch self {
            case .write(let path, _, _), .symlink(let path, _), .remove(let path, _): return path
            }
        }
    }

    public var actions: [Action]

    public init(actions: [Action]) { self.actions = actions }

    public func contents(of path: String) -> String? {
        for case .write(let candidate, let contents, _) in actions where candidate == path {
            return String(decoding: contents, as: UTF8.self)
        }
        return nil
    }
}
