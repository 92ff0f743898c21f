import Foundation
import Basics
import Testing
import TestSupport
@testable import SiteSpec

func zoneinfo(_ name: String) -> Bool { FileManager.default.fileExists(atPath: "/usr/share/zoneinfo/\(name)") }

@Suite struct JSONReaderTests {
    @Test func positionsOfValuesAndKeys() throws {
        let json = try JSONReader.parse(Array("{\n  \"a\": [1, \"x\\u00e9\\ud83d\\ude00\"],\n  \"b\": {\"c\": null}\n}".utf8))
        guard case .object(let members) = json.value else { Issue.record("expected an object"); return }
        #expect(members.map(\.key) == ["a", "b"])
        #expect(members[0].keyPosition == SourcePosition(line: 2, column: 3))
        #expect(members[0].value.position == SourcePosition(line: 2, column: 8))
        guard case .array(let items) = members[0].value.value else { Issue.record("expected an array"); return }
        #expect(items[1].value == .string("xé😀"))
        #expect(items[0].value == .number("1"))
        #expect(members[1].value.position == SourcePosition(line: 3, column: 8))
    }

    @Test(arguments: [
        ("{\"a\": 1,}", "1:9", "expected a string key"),
        ("[1 2]", "1:4", "expected ',' or ']'"),
        ("{\"a\" 1}", "1:6", "expected ':' after the key"),
        ("\"tab\there\"", "1:5", "control character in a string"),
        ("01", "1:2", "unexpected text after the JSON value"),
        ("{\"a\": tru}", "1:7", "invalid literal; expected true"),
        ("[1.]", "1:4", "digits expected after '.'"),
        ("{} {}", "1:4", "unexpected text"),
        ("\"\\ud800\"", "1:8", "unpaired surrogate"),
        ("", "1:1", "unexpected end of input"),
        ("\"\\u+0ab\"", "1:4", "expected four hex digits"),
        ("\"\\u-0ab\"", "1:4", "expected four hex digits"),
        ("\"\\u 0ab\"", "1:4", "expected four hex digits"),
        ("\"\\u00e\"", "1:4", "expected four hex digits"),
        ("\"\\udc00\"", "1:8", "invalid \\u escape"),
        ("{\"a\": 1, \"a\": 2}", "1:10", "duplicate key 'a'"),
        ("[{\"x\": {\"k\": 1,\n \"k\": 1}}]", "2:2", "duplicate key 'k'"),
        ("{\"labels\": {\"role\": \"a\", \"role\": \"b\"}}", "1:26", "duplicate key 'role'"),
    ])
    func syntaxErrorsHavePositions(text: String, position: String, message: String) {
        do {
            _ = try JSONReader.parse(Array(text.utf8))
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.position.description == position, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    /// Bytes that are not UTF-8, inside a string (the only place non-ASCII may be): a lone
    /// continuation byte, a truncated sequence, an overlong '/', a surrogate, beyond U+10FFFF.
    @Test(arguments: [[0x80], [0xC3], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xE2, 0x82]] as [[UInt8]])
    func invalidUTF8IsAnErrorWithItsPosition(bad: [UInt8]) {
        let bytes = Array("{\n  \"a\": \"ok".utf8) + bad + Array("\"}".utf8)
        do {
            _ = try JSONReader.parse(bytes)
            Issue.record("invalid UTF-8 \(bad) was accepted")
        } catch {
            #expect(error.position == SourcePosition(line: 2, column: 11), "\(error)")
            #expect(error.message.contains("invalid UTF-8"), "\(error)")
        }
    }

    @Test func theSizeIsCappedBeforeParsing() {
        let big = Array("[".utf8) + Array(repeating: UInt8(ascii: "0"), count: 1) + Array(repeating: Array(",0".utf8), count: JSONReader.defaultMaximumBytes / 2).flatMap { $0 } + Array("]".utf8)
        #expect(big.count > JSONReader.defaultMaximumBytes)
        do {
            _ = try JSONReader.parse(big)
            Issue.record("a document over the cap was parsed")
        } catch {
            #expect(error.message.contains("at most \(JSONReader.defaultMaximumBytes) are read"), "\(error)")
        }
        #expect((try? JSONReader.parse(Array("[0]".utf8), maximumBytes: 3)) != nil)
    }
}

@Suite struct NetworkValueTests {
    @Test(arguments: [("10.0.0.1", true), ("256.0.0.1", false), ("2001:db8::1", true), ("::1", true), ("10.0.0", false), ("fe80::1%eth0", false), ("", false)])
    func addresses(text: String, valid: Bool) {
        #expect((IPAddress(text) != nil) == valid)
    }

    /// Values as their consumers parse them: ASCII digits and hex only, no sign, no leading
    /// zeros, prefixes in range.
    @Test(arguments: [
        ("10.0.0.2/24", true), ("2001:db8::2/64", true), ("10.0.0.2/33", false), ("10.0.0.2/-1", false), ("10.0.0.2/+24", false),
        ("10.0.0.2/024", false), ("10.0.0.2/２４", false), ("10.0.0.2/", false), ("10.0.0.2", false), ("10.0.0.2/24/1", false),
        ("１0.0.0.2/24", false), ("2001:db8::2/129", false), ("010.0.0.2/24", false),
    ])
    func interfaceAddresses(text: String, valid: Bool) {
        #expect((InterfaceAddress(text) != nil) == valid, "\(text)")
    }

    @Test(arguments: [
        ("00:11:22:aa:BB:cc", true), ("００:11:22:33:44:55", false), ("00:11:22:33:44:ｆｆ", false), ("00:11:22:33:44", false),
        ("00-11-22-33-44-55", false), ("0:11:22:33:44:55", false), ("00:11:22:33:44:5g", false),
    ])
    func macAddresses(text: String, valid: Bool) {
        #expect(Names.isMAC(text) == valid, "\(text)")
    }

    @Test(arguments: [("0", 0), ("7", 7), ("65535", 65535), ("-3", -3)] as [(String, Int)])
    func asciiDecimalsRead(text: String, value: Int) {
        #expect(Int(asciiDecimal: text) == value)
    }

    @Test(arguments: ["+7", "07", "-0", "", "-", "７", "1e3", " 1", "1 ", "0x10", "9999999999999999999", "1_000"])
    func asciiDecimalsRefuse(text: String) {
        #expect(Int(asciiDecimal: text) == nil, "\(text)")
    }

    @Test func subnetsContainAndOverlap() throws {
        let a = try #require(InterfaceAddress("10.20.0.10/24"))
        #expect(a.contains(try #require(IPAddress("10.20.0.1"))))
        #expect(!a.contains(try #require(IPAddress("10.20.1.1"))))
        #expect(a.overlaps(try #require(InterfaceAddress("10.20.0.99/25"))))
        #expect(a.overlaps(try #require(InterfaceAddress("10.0.0.1/8"))))
        #expect(!a.overlaps(try #require(InterfaceAddress("10.21.0.1/24"))))
        let v6 = try #require(InterfaceAddress("2001:db8:42::10/64"))
        #expect(v6.contains(try #require(IPAddress("2001:db8:42::1"))))
        #expect(!v6.overlaps(a))
        #expect(InterfaceAddress("10.0.0.1/33") == nil)
        #expect(InterfaceAddress("10.0.0.1") == nil)
    }

    @Test(arguments: [("cam-gw-01", true), ("Cam", false), ("-a", false), ("a-", false), (String(repeating: "a", count: 64), false), ("a_b", false)])
    func hostnames(text: String, valid: Bool) {
        #expect(Names.isHostnameLabel(text) == valid)
    }
}

@Suite struct SiteSpecTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../site-specs").standardized

    static func example(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: directory.appendingPathComponent(name))) }

    @Test(arguments: ["store-0042.json", "warehouse-bond.json", "lab-ipv6.json", "kiosk-dhcp.json"])
    func examplesAreValid(name: String) throws {
        let spec = try SiteSpec.parse(try Self.example(name), file: name, timezoneExists: zoneinfo)
        #expect(!spec.network.interfaces.isEmpty)
    }

    @Test func theIssueExampleDecodes() throws {
        let spec = try SiteSpec.parse(try Self.example("store-0042.json"), file: "s.json", timezoneExists: zoneinfo)
        #expect(spec.device.fqdn == "cam-gw-01.store42.example.net")
        #expect(spec.network.interfaces[0].match == .mac("00:11:22:33:44:55"))
        #expect(spec.network.interfaces[0].addressing.ipv4?.gateway == IPAddress("10.20.0.1"))
        #expect(spec.network.interfaces[1].addressing.optional)
        #expect(spec.network.vlans[0].vlanID == 100)
        #expect(spec.time.client == .chrony)
        #expect(spec.registration.claimToken == "example-claim-token-store-0042")
        #expect(!"\(spec.registration)".contains("example-claim-token"))
        #expect(spec.labels == ["region": "us-central", "tier": "retail"])
    }

    static let base = """
        {
          "schema_version": "1.0",
          "site": {"id": "s1", "name": "S", "timezone": "UTC"},
          "device": {"hostname": "gw"},
          "network": {
            "interfaces": [
              {"id": "up", "match": {"name": "eth0"}, "ipv4": {"mode": "static", "addresses": ["10.0.0.2/24"], "gateway": "10.0.0.1"}},
              {"id": "cam", "match": {"name": "eth1"}, "ipv4": {"mode": "dhcp"}, "optional": true}
            ]
          },
          "time": {"client": "chrony", "sources": [{"host": "ntp.example.net"}]},
          "registration": {"url": "https://d.example.net/r", "claim_token": "SECRET-TOKEN-123"}
        }
        """

    /// (change to the base spec, expected "line:col: pointer: message" fragment)
    @Test(arguments: [
        ("\"hostname\": \"gw\"", "\"hostname\": \"GW_1\"", "4:26: /device/hostname: 'GW_1' is not a valid hostname"),
        ("\"timezone\": \"UTC\"", "\"timezone\": \"Mars/Olympus\"", "/site/timezone: 'Mars/Olympus' is not a time zone in the zoneinfo database"),
        ("\"device\": {", "\"colour\": 1, \"device\": {", "4:3: /colour: unknown key 'colour'"),
        ("\"https://d.example.net/r\"", "\"http://d.example.net/r\"", "/registration/url: 'http://d.example.net/r' is not an https URL"),
        ("\"gateway\": \"10.0.0.1\"", "\"gateway\": \"10.0.1.1\"", "/network/interfaces/0/ipv4/gateway: gateway 10.0.1.1 is not inside any of this interface's IPv4 subnets"),
        ("{\"id\": \"cam\", \"match\": {\"name\": \"eth1\"}", "{\"id\": \"up\", \"match\": {\"name\": \"eth1\"}", "/network/interfaces/1/id: id 'up' is already used"),
        ("{\"name\": \"eth1\"}", "{\"name\": \"eth0\"}", "8:30: /network/interfaces/1/match: another interface (at 7:29) already matches the same device"),
        ("\"ipv4\": {\"mode\": \"dhcp\"}", "\"ipv4\": {\"mode\": \"dhcp\", \"addresses\": [\"10.1.0.2/24\"]}", "/network/interfaces/1/ipv4/addresses: addresses are only allowed with mode \"static\""),
        ("\"ipv4\": {\"mode\": \"dhcp\"}", "\"ipv4\": {\"mode\": \"static\", \"addresses\": [\"10.0.0.77/16\"]}", "8:89: /network/interfaces/1/ipv4/addresses/0: subnet 10.0.0.77/16 on 'cam' overlaps 10.0.0.2/24 on 'up'"),
        // On a VLAN too: at the address that overlaps (the second of two), not at the VLAN's id.
        ("\"optional\": true}\n    ]", "\"optional\": true}\n    ], \"vlans\": [{\"id\": \"v1\", \"link\": \"cam\", \"vlan_id\": 7, \"ipv4\": {\"mode\": \"static\", \"addresses\": [\"192.168.7.2/24\", \"10.0.0.9/28\"]}}]",
         "/network/vlans/0/ipv4/addresses/1: subnet 10.0.0.9/28 on 'v1' overlaps 10.0.0.2/24 on 'up'"),
        ("\"ipv4\": {\"mode\": \"dhcp\"}", "\"ipv4\": {\"mode\": \"static\", \"addresses\": [\"10.9.0.2/24\"], \"gateway\": \"10.9.0.1\"}", "/network: 2 IPv4 default routes (on up, cam) need distinct metrics"),
        ("\"claim_token\": \"SECRET-TOKEN-123\"", "\"claim_token\": \"SECRET-TOKEN-123\", \"claim_token_file\": \"/x\"", "/registration: give either claim_token or claim_token_file"),
        ("\"client\": \"chrony\"", "\"client\": \"ntpd\"", "/time/client: 'ntpd' is not a time client; expected chrony or timesyncd"),
        ("\"schema_version\": \"1.0\"", "\"schema_version\": \"2.0\"", "2:21: /schema_version: schema_version '2.0' is not supported"),
        ("\"optional\": true", "\"optional\": \"yes\"", "/network/interfaces/1/optional: expected true or false"),
        // A key with "/" is one step of the pointer, written ~1 (RFC 6901).
        ("\"registration\": {", "\"labels\": {\"example.com/role\": 7}, \"registration\": {", "/labels/example.com~1role: expected a string"),
        // Every value keeps the grammar of the file it is rendered into (or sent in).
        ("\"name\": \"S\"", "\"name\": \"S\\nserver 6.6.6.6 iburst\"", "/site/name: expected a name on one line"),
        ("\"name\": \"S\"", "\"name\": \"S\\u001b[2J\"", "/site/name: expected a name on one line"),
        ("\"registration\": {", "\"labels\": {\"tier\": \"a\\r\\nb\"}, \"registration\": {", "/labels/tier: expected a label value on one line"),
        ("\"registration\": {", "\"labels\": {\"ti\\u00e9r\": \"a\"}, \"registration\": {", "is not a label key"),
        ("\"SECRET-TOKEN-123\"", "\"SECRET-TOKEN-123\\r\"", "/registration/claim_token: expected a non-empty claim token on one line"),
        ("\"claim_token\": \"SECRET-TOKEN-123\"", "\"claim_token_file\": \"/etc/../../root/token\"", "/registration/claim_token_file: '/etc/../../root/token' must be an absolute path on the box"),
        ("\"claim_token\": \"SECRET-TOKEN-123\"", "\"claim_token_file\": \"etc/token\"", "/registration/claim_token_file: 'etc/token' must be an absolute path"),
        ("\"https://d.example.net/r\"", "\"https://user:pw@d.example.net/r\"", "/registration/url: 'https://user:***@d.example.net/r' is not an https URL"),
        ("\"https://d.example.net/r\"", "\"https://d.example.net/r x\"", "/registration/url"),
        ("\"https://d.example.net/r\"", "\"https://d.example.net:99999/r\"", "/registration/url"),
        ("\"https://d.example.net/r\"", "\"https://d.example.net\\\\@evil.test/r\"", "/registration/url"),
        ("\"https://d.example.net/r\"", "\"https://bad_host.example/r\"", "/registration/url"),
        ("\"https://d.example.net/r\"", "\"https://d.example.net/r\\u0000\"", "/registration/url"),
        ("\"10.0.0.2/24\"", "\"10.0.0.2/-24\"", "/network/interfaces/0/ipv4/addresses/0"),
        ("\"10.0.0.2/24\"", "\"10.0.0.2/33\"", "/network/interfaces/0/ipv4/addresses/0"),
        ("\"10.0.0.2/24\"", "\"10.0.0.02/24\"", "/network/interfaces/0/ipv4/addresses/0"),
        ("\"10.0.0.2/24\"", "\"10.0.0.2/+24\"", "/network/interfaces/0/ipv4/addresses/0"),
    ])
    func invalidSpecsNameThePlace(from: String, to: String, expected: String) {
        let text = Self.base.replacingOccurrences(of: from, with: to)
        #expect(text != Self.base, "the table row must change the spec")
        do {
            _ = try SiteSpec.parse(Array(text.utf8), file: "site.json", timezoneExists: zoneinfo)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("site.json:\(expected)") || error.description.contains(expected), "\(error)")
            #expect(!error.description.contains("SECRET-TOKEN-123"), "errors never show the claim token")
        }
    }

    @Test func vlansAndBondsAreCrossChecked() {
        let text = Self.base.replacingOccurrences(of: "\"optional\": true}\n    ]", with: """
            "optional": true},
                  {"id": "n2", "match": {"name": "eth2"}},
                  {"id": "n3", "match": {"name": "eth3"}}
                ],
                "bonds": [
                  {"id": "bond0", "members": ["n2", "n3", "ghost"], "mode": "active-backup"},
                  {"id": "bond1", "members": ["n3", "up"], "mode": "fastest"}
                ],
                "vlans": [
                  {"id": "v1", "link": "up", "vlan_id": 100},
                  {"id": "v2", "link": "up", "vlan_id": 100},
                  {"id": "v3", "link": "nowhere", "vlan_id": 5000}
                ]
            """)
        #expect(text != Self.base)
        do {
            _ = try SiteSpec.parse(Array(text.utf8), file: "site.json", timezoneExists: zoneinfo)
            Issue.record("expected errors")
        } catch {
            let messages = error.issues.map { "\($0.pointer): \($0.message)" }
            #expect(messages.contains { $0.hasPrefix("/network/bonds/0/members/2: 'ghost' is not an interface id") })
            #expect(messages.contains { $0.hasPrefix("/network/bonds/1/members/0: interface 'n3' is already a member of bond 'bond0'") })
            #expect(messages.contains { $0.hasPrefix("/network/bonds/1/members/1: interface 'up' carries IP configuration") })
            #expect(messages.contains { $0.hasPrefix("/network/bonds/1/mode: 'fastest' is not a bond mode") })
            #expect(messages.contains { $0.hasPrefix("/network/vlans/1/vlan_id: VLAN id 100 is already used on link 'up'") })
            #expect(messages.contains { $0.hasPrefix("/network/vlans/2/link: 'nowhere' is not an interface or bond id") })
            #expect(messages.contains { $0.hasPrefix("/network/vlans/2/vlan_id: 5000 is out of range; expected 1 to 4094") })
            #expect(error.issues.allSatisfy { $0.position.line > 1 })
        }
    }

    @Test func distinctMetricsAllowTwoDefaultRoutes() throws {
        let text = Self.base
            .replacingOccurrences(of: "\"gateway\": \"10.0.0.1\"}}", with: "\"gateway\": \"10.0.0.1\"}, \"routes\": []}")
            .replacingOccurrences(of: "\"addresses\": [\"10.0.0.2/24\"], \"gateway\": \"10.0.0.1\"}, \"routes\": []", with: "\"addresses\": [\"10.0.0.2/24\"]}, \"routes\": [{\"to\": \"default\", \"via\": \"10.0.0.1\", \"metric\": 100}]")
            .replacingOccurrences(of: "\"ipv4\": {\"mode\": \"dhcp\"}", with: "\"ipv4\": {\"mode\": \"static\", \"addresses\": [\"10.9.0.2/24\"]}, \"routes\": [{\"to\": \"0.0.0.0/0\", \"via\": \"10.9.0.1\", \"metric\": 200}]")
        let spec = try SiteSpec.parse(Array(text.utf8), file: "site.json", timezoneExists: zoneinfo)
        #expect(spec.network.interfaces[0].addressing.routes.first?.metric == 100)
        #expect(spec.network.interfaces[1].addressing.routes.first?.to == nil)
    }

    @Test func jsonSyntaxErrorsNameTheFileAndPosition() {
        do {
            _ = try SiteSpec.parse(Array("{\n  \"site\": }".utf8), file: "broken.json", timezoneExists: zoneinfo)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("broken.json:2:11: /: invalid JSON: unexpected character '}'"), "\(error)")
        }
    }
}

/// The published schema accepts the examples and rejects what the validator rejects (checked
/// with Python's jsonschema, an independent implementation).
@Suite struct SiteSpecSchemaTests {
    func validate(_ text: String) throws -> (Int32, String) {
        try SchemaValidation.validate(text, schema: SiteSpecTests.directory.appendingPathComponent("site-spec.schema.json").path)
    }

    @Test(arguments: ["store-0042.json", "warehouse-bond.json", "lab-ipv6.json", "kiosk-dhcp.json"])
    func examplesMatchTheSchema(name: String) throws {
        let (status, output) = try validate(String(decoding: try SiteSpecTests.example(name), as: UTF8.self))
        #expect(status == 0, "\(output)")
    }

    @Test(arguments: [
        ("\"device\": {", "\"colour\": 1, \"device\": {"),
        ("\"https://d.example.net/r\"", "\"http://d.example.net/r\""),
        ("\"client\": \"chrony\"", "\"client\": \"ntpd\""),
        ("\"hostname\": \"gw\"", "\"hostname\": \"GW_1\""),
    ])
    func schemaRejectsWhatTheValidatorRejects(from: String, to: String) throws {
        let text = SiteSpecTests.base.replacingOccurrences(of: from, with: to)
        #expect(throws: SpecError.self) { try SiteSpec.parse(Array(text.utf8), file: "s.json", timezoneExists: zoneinfo) }
        #expect(try validate(text).0 == 1)
        #expect(try validate(SiteSpecTests.base).0 == 0)
    }
}
