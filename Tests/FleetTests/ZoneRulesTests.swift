import Basics
import Foundation
import Testing
import TestSupport

/// The zoneinfo reader against two independent readers of the same files: Python's zoneinfo
/// (PEP 615) for every zone of the machine's database at seeded instants from 1950 to 2100
/// (past 2037 mostly the footer's POSIX rule), and glibc's localtime around the daylight-saving
/// changes the maintenance windows care about.
@Suite struct ZoneRulesTests {
    static let database = "/usr/share/zoneinfo"

    static func zones() -> [String] {
        let skip: Set<String> = ["posix", "right", "Etc", "SystemV", "US", "Factory", "localtime", "posixrules"]
        guard let walker = FileManager.default.enumerator(atPath: database) else { return [] }
        var names: [String] = []
        for case let path as String in walker {
            if skip.contains(String(path.split(separator: "/").first ?? "")) { continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: "\(database)/\(path)", isDirectory: &isDirectory), !isDirectory.boolValue,
                  let head = FileHandle(forReadingAtPath: "\(database)/\(path)")?.readData(ofLength: 4), head == Data("TZif".utf8) else { continue }
            names.append(path)
        }
        return names.sorted()
    }

    @Test(arguments: [UInt64(20261207)])
    func everyZoneAgreesWithPythonsZoneinfo(seed: UInt64) async throws {
        print("seed \(seed)")
        var random = SplitMix64(seed: seed)
        let zones = Self.zones()
        #expect(zones.count > 300, "the machine's zone database is missing (tzdata)")
        var questions: [(zone: String, instant: Int64)] = []
        var rules: [String: ZoneRules] = [:]
        for zone in zones {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: "\(Self.database)/\(zone)")))
            rules[zone] = try ZoneRules.parse(bytes)
            for _ in 0..<24 {
                // 1950-2100, and a second either side of each answer's hour (where changes fall).
                let instant = -631_152_000 + Int64(random.next() % 4_733_510_400)
                questions.append((zone, instant))
                questions.append((zone, instant - instant % 3_600 - 1))
            }
        }
        // Through a file: tens of thousands of lines through pipes both ways would wait on
        // each other.
        let directory = try TemporaryDirectory("zones")
        let input = try directory.write("questions", questions.map { "\($0.zone) \($0.instant)" }.joined(separator: "\n") + "\n")
        let script = """
            import sys, zoneinfo, datetime
            cache = {}
            for line in open(sys.argv[1]):
                zone, instant = line.split()
                tz = cache.get(zone) or cache.setdefault(zone, zoneinfo.ZoneInfo(zone))
                moment = datetime.datetime.fromtimestamp(int(instant), tz=datetime.timezone.utc)
                print(int(moment.astimezone(tz).utcoffset().total_seconds()))
            """
        let answer = try await ProcessSupport.runDetached("python3", ["-c", script, input])
        #expect(answer.status == 0, "\(answer.stderr)")
        let expected = answer.stdout.split(separator: "\n").map { Int64($0) }
        #expect(expected.count == questions.count)
        var disagreements: [String] = []
        for (index, question) in questions.enumerated() where index < expected.count {
            let ours = rules[question.zone]!.offset(at: question.instant)
            if ours != expected[index] { disagreements.append("\(question.zone) at \(question.instant): ours \(ours), zoneinfo \(expected[index].map(String.init) ?? "?")") }
        }
        print("zone rules: \(zones.count) zones, \(questions.count) instants, \(disagreements.count) disagreements")
        #expect(disagreements.isEmpty, "\(disagreements.prefix(20).joined(separator: "\n"))")
    }

    /// Around the 2026 changes in Paris, Sydney and New York, second by second where it
    /// matters, against glibc (date(1) with TZ).
    @Test(arguments: [("Europe/Paris", Int64(1_774_746_000)), ("Europe/Paris", Int64(1_792_890_000)), ("Australia/Sydney", Int64(1_775_318_400)),
                      ("Australia/Sydney", Int64(1_791_043_200)), ("America/New_York", Int64(1_772_953_200)), ("America/New_York", Int64(1_793_512_800))])
    func daylightSavingChangesAgreeWithGlibc(zone: String, change: Int64) async throws {
        let rules = try ZoneRules.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(Self.database)/\(zone)"))))
        for instant in [change - 3_600, change - 1, change, change + 1, change + 3_600] {
            let glibc = try await ProcessSupport.runDetached("date", ["-d", "@\(instant)", "+%z"], environment: ["TZ": zone, "PATH": "/usr/bin:/bin"])
            let text = glibc.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let sign: Int64 = text.hasPrefix("-") ? -1 : 1
            let digits = Array(text.dropFirst())
            let offset = sign * ((Int64(String(digits.prefix(2))) ?? 0) * 3_600 + (Int64(String(digits.suffix(2))) ?? 0) * 60)
            #expect(rules.offset(at: instant) == offset, "\(zone) at \(instant): glibc says \(text)")
        }
        // The change really is a change.
        #expect(rules.offset(at: change - 1) != rules.offset(at: change))
    }

    @Test("what is not a zone file is refused", arguments: [
        Array("TZif".utf8), Array("not a zone".utf8), Array("TZif2".utf8) + [UInt8](repeating: 0, count: 15) + [UInt8](repeating: 0xff, count: 24),
    ])
    func hostileFiles(_ bytes: [UInt8]) {
        #expect(throws: ZoneRules.Problem.self) { try ZoneRules.parse(bytes) }
    }

    @Test("POSIX rules of every form", arguments: [
        ("<+0330>-3:30", Int64(1_780_000_000), Int64(12_600)),
        ("EST5EDT,M3.2.0,M11.1.0", Int64(1_780_000_000), Int64(-14_400)),
        ("EST5EDT,M3.2.0,M11.1.0", Int64(1_797_000_000), Int64(-18_000)),
        ("IST-2IDT,M3.4.4/26,M10.5.0", Int64(1_780_000_000), Int64(10_800)),
        ("AEST-10AEDT,M10.1.0,M4.1.0/3", Int64(1_780_000_000), Int64(36_000)),
        ("AEST-10AEDT,M10.1.0,M4.1.0/3", Int64(1_797_000_000), Int64(39_600)),
        ("XXX3YYY,J60/2,J300/2", Int64(1_780_000_000), Int64(-7_200)),
    ])
    func posixRules(_ text: String, _ instant: Int64, _ offset: Int64) throws {
        let rule = try #require(PosixRule(text))
        #expect(rule.offset(at: instant) == offset)
    }
}
