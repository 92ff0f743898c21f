import Basics
import SiteSpec

/// Whether a valid spec fits the image it is applied to, checked before anything is written.
/// The one case a spec alone cannot tell: the time client. chrony and systemd-timesyncd
/// conflict (installing one removes the other), so a spec asking for the client the image
/// does not have would leave the box keeping time with the image's defaults: refused, with
/// the reason. A root with neither (a directory being prepared) is not judged.
package enum ImageFit {
    static let chronyPrograms = ["/usr/sbin/chronyd"]
    static let timesyncdPrograms = ["/lib/systemd/systemd-timesyncd", "/usr/lib/systemd/systemd-timesyncd"]

    package static func check(_ site: SiteSpec, bytes: [UInt8], name: String, context: ProvisionContext) throws(ProvisionError) {
        func has(_ programs: [String]) -> Bool { programs.contains { context.files.kind(context.path($0)) != nil } }
        let chrony = has(chronyPrograms), timesyncd = has(timesyncdPrograms)
        let problem: String
        switch site.time.client {
        case .timesyncd where !timesyncd && chrony:
            problem = "'timesyncd' does not fit this image: it has chrony and no systemd-timesyncd (the two conflict; installing chrony removed timesyncd), so the site's time sources would be ignored; use \"chrony\""
        case .chrony where !chrony && timesyncd:
            problem = "'chrony' does not fit this image: it has systemd-timesyncd and no chrony, so the site's time sources would be ignored; use \"timesyncd\" (or add chrony to the image's packages)"
        default:
            return
        }
        let position = (try? JSONReader.parse(bytes))?.value(at: ["time", "client"])?.position ?? .start
        throw .invalidSpec(SpecError(issues: [PositionedIssue(file: name, position: position, pointer: "/time/client", message: problem)]))
    }
}
