import Basics
/// Problems reading docker-style credential configuration. Never carries a secret.
public enum CredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadableConfig(path: String, detail: String)
    case missingConfig(path: String)
    case malformedConfig(path: String, detail: String)
    case malformedAuth(path: String, key: String, detail: String)
    case helperNotFound(helper: String)
    case helperFailed(helper: String, detail: String)
    case helperTimedOut(helper: String)
    /// The run's deadline passed before (or while) the helper answered.
    case helperPastDeadline(helper: String)

    /// 65 for a config file that is not valid, 66 for one that is missing (named) or cannot
    /// be read (or is not a regular file); 1 when a helper misbehaves.
    public var exitStatus: ExitStatus {
        switch self {
        case .malformedConfig, .malformedAuth: .dataError
        case .missingConfig, .unreadableConfig: .noInput
        case .helperNotFound, .helperFailed, .helperTimedOut, .helperPastDeadline: .failure
        }
    }

    public var description: String {
        switch self {
        case .unreadableConfig(let path, let detail):
            return "cannot read the credentials file \(path): \(detail)"
        case .missingConfig(let path):
            return "the credentials file \(path) does not exist (it was named by --authfile or REGISTRY_AUTH_FILE)"
        case .malformedConfig(let path, let detail):
            return "the credentials file \(path) is not a valid docker config: \(detail)"
        case .malformedAuth(let path, let key, let detail):
            return "\(path): /auths/\(key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1"))/auth \(detail); expected base64 of username:password"
        case .helperNotFound(let helper):
            return "credential helper docker-credential-\(helper) is not on PATH"
        case .helperFailed(let helper, let detail):
            return "credential helper docker-credential-\(helper) failed: \(detail)"
        case .helperTimedOut(let helper):
            return "credential helper docker-credential-\(helper) did not answer in time and was stopped"
        case .helperPastDeadline(let helper):
            return "credential helper docker-credential-\(helper) had not answered when the deadline passed; it was stopped"
        }
    }
}
