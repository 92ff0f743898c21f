import FoundationEssentials

/// URLs as they may be printed or logged: a URL can carry a token in its query or a password
/// in its user part, so both go (and the user, which names an account).
public enum URLRedaction {
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "<url>" }
        components.query = nil
        components.user = nil
        components.password = nil
        return components.string ?? "<url>"
    }
}
