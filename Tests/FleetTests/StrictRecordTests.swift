import Basics
import Fleet
import Testing

/// Every fleet record read back from the store is read strictly (docs/fleet.md): each class of
/// hostile input once per kind of record, refused with the key, line:column and JSON Pointer.
@Suite struct StrictRecordTests {
    static let sha = String(repeating: "a", count: 64)
    static let release = #"{"bundle": "https://r.example/b.tar.gz", "bundle_sha256": "\#(sha)", "published_at": 1, "version": "2026.12.1"}"#
    static let enrollment = #"{"channel": "stable", "policy": {"mode": "immediate"}, "site": "lyon-3"}"#
    static let status = #"{"health": "ok", "release": "2026.12.1", "reported_at": 1796000000, "slot": "A"}"#

    enum Kind: String, CaseIterable, Sendable { case release, enrollment, status }

    static func decode(_ kind: Kind, _ text: String) throws(FleetError) {
        let key = "/edge/v1/\(kind.rawValue)"
        switch kind {
        case .release: _ = try FleetRecordCodec.decode(ReleaseEntry.self, from: Array(text.utf8), key: key)
        case .enrollment: _ = try FleetRecordCodec.decode(DeviceEnrollment.self, from: Array(text.utf8), key: key)
        case .status: _ = try FleetRecordCodec.decode(DeviceReport.self, from: Array(text.utf8), key: key)
        }
    }

    static func base(_ kind: Kind) -> String {
        switch kind {
        case .release: release
        case .enrollment: enrollment
        case .status: status
        }
    }

    @Test(arguments: Kind.allCases)
    func theRecordAsWrittenReadsBack(_ kind: Kind) throws {
        try Self.decode(kind, Self.base(kind))
    }

    /// (kind, what is wrong, text replaced, replacement, the fragment the error must hold)
    static let classes: [(Kind, String, String, String, String)] = [
        (.release, "an unknown field", #""version": "2026.12.1""#, #""version": "2026.12.1", "mirror": "x""#, "/mirror: unknown key 'mirror'"),
        (.release, "a key given twice", #""version": "2026.12.1""#, #""version": "2026.12.1", "version": "2026.12.2""#, "/version: not valid JSON: duplicate key 'version'"),
        (.release, "a huge number", #""published_at": 1"#, #""published_at": 1e400"#, "/published_at: 1e400 is not a whole number"),
        (.release, "a wrong type", #""published_at": 1"#, #""published_at": "1""#, "/published_at: expected a whole number"),
        (.enrollment, "an unknown field", #""site": "lyon-3""#, #""site": "lyon-3", "owner": "x""#, "/owner: unknown key 'owner'"),
        (.enrollment, "a key given twice", #""site": "lyon-3""#, #""site": "lyon-3", "site": "paris-1""#, "/site: not valid JSON: duplicate key 'site'"),
        (.enrollment, "a field the policy does not have", #"{"mode": "immediate"}"#, #"{"mode": "immediate", "start": 60}"#, "/policy/start: unknown key 'start'"),
        (.enrollment, "a huge number", #"{"mode": "immediate"}"#, #"{"mode": "window", "start": 1e400, "minutes": 60}"#, "/policy/start: 1e400 is not a whole number"),
        (.status, "an unknown field", #""slot": "A""#, #""slot": "A", "uptime": 5"#, "/uptime: unknown key 'uptime'"),
        (.status, "a key given twice", #""health": "ok""#, #""health": "ok", "health": "failing""#, "/health: not valid JSON: duplicate key 'health'"),
        (.status, "a huge number", #""reported_at": 1796000000"#, #""reported_at": 1e400"#, "/reported_at: 1e400 is not a whole number"),
        (.status, "a number past Int64", #""reported_at": 1796000000"#, #""reported_at": 99999999999999999999"#, "/reported_at: 99999999999999999999 is out of range"),
        (.status, "a fraction", #""reported_at": 1796000000"#, #""reported_at": 1796000000.5"#, "/reported_at: 1796000000.5 is not a whole number"),
    ]

    @Test(arguments: classes.indices)
    func hostileRecordsAreRefusedAtTheirField(_ index: Int) {
        let (kind, label, from, to, expected) = Self.classes[index]
        let base = Self.base(kind)
        let text = base.replacingOccurrences(of: from, with: to)
        #expect(text != base, "\(label): the row must change the record")
        do throws(FleetError) {
            try Self.decode(kind, text)
            Issue.record("\(kind) with \(label) was accepted: \(text)")
        } catch {
            #expect(error.exitStatus == .dataError)
            #expect(error.description.contains("/edge/v1/\(kind.rawValue)") && error.description.contains(expected), "\(kind), \(label): \(error)")
        }
    }
}
