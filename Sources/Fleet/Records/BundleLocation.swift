import Basics
import FoundationEssentials

/// Where a device fetches a release's bundle: an `https` URL, or an absolute path (a shared
/// mount). Plain `http` only where the operator opted in for a lab (`--allow-plain-http` when
/// publishing, `allow_plain_http` in the box's `fleet.json`): the sha256 check covers the
/// bundle's bytes, not the transport its location and the release's metadata travel over.
/// The file name is `<name>-<version>.tar.gz`, what the agent saves it as.
public enum BundleLocation: Sendable, Equatable {
    case https(URL)
    case plainHTTP(URL)
    case path(String)

    /// The location `text` names for release `version`, or why a box could not fetch it.
    public static func parse(_ text: String, version: FleetVersion, allowPlainHTTP: Bool) throws(FleetError) -> BundleLocation {
        let shown = URLRedaction.redacted(text).printable
        guard !text.isEmpty, text.utf8.count <= 2048, !text.hasControlCharacters, !text.contains(" ") else {
            throw .invalidInput("the bundle location '\(shown)' must be an https URL or an absolute path, on one line without spaces")
        }
        let name = text.split(separator: "?").first?.split(separator: "/").last.map(String.init) ?? ""
        guard name.hasSuffix("-\(version.text).tar.gz"), name.utf8.count <= 200,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw .invalidInput("the bundle location '\(shown)' must end in <name>-\(version.text).tar.gz (the bundle imagesmith build wrote for \(version))")
        }
        if text.hasPrefix("/") {
            guard !text.split(separator: "/").contains(".."), !text.contains("//") else {
                throw .invalidInput("the bundle location '\(shown)' must be an absolute path without '..' or '//'")
            }
            return .path(text)
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw .invalidInput("the bundle location '\(shown)' is neither an https URL nor an absolute path")
        }
        guard url.user == nil, url.password == nil else {
            throw .invalidInput("the bundle location '\(shown)' carries a user or password; a device fetches bundles without credentials in the URL")
        }
        switch scheme {
        case "https": return .https(url)
        case "http" where allowPlainHTTP: return .plainHTTP(url)
        case "http":
            throw .invalidInput("the bundle location '\(shown)' is plain http: a box fetches bundles over https, or from a path; for a lab only, opt in where it is published (imagesmith fleet publish --allow-plain-http) and on the box (\"allow_plain_http\": true in fleet.json)")
        default:
            throw .invalidInput("the bundle location '\(shown)' is neither an https URL nor an absolute path")
        }
    }
}
