import Basics
import Fleet
import FleetAgent
import FleetEngine
import FleetSimulation
import Foundation
import HTTPCore
import S3
import Testing
import TestSupport
import Transport

@Suite("S3 Signature Version 4")
struct SignatureV4Tests {
    static let example = S3Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    /// 2013-05-24T00:00:00Z, the time of AWS's published S3 examples.
    static let exampleTime: Int64 = 1_369_353_600

    static func signature(_ headers: [(String, String)]) -> String? {
        headers.first { $0.0 == "Authorization" }?.1.components(separatedBy: "Signature=").last
    }

    @Test("AWS's published S3 examples: GET Object with a Range, and a listing with a query")
    func publishedExamples() throws {
        let signer = SignatureV4(credentials: Self.example, region: "us-east-1")
        let object = try signer.sign(method: "GET", path: "/test.txt", query: [], headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9")],
                                     payloadSHA256: SignatureV4.emptyPayloadSHA256, at: Self.exampleTime)
        #expect(Self.signature(object) == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(object.contains { $0 == ("x-amz-date", "20130524T000000Z") })
        let authorization = try #require(object.first { $0.0 == "Authorization" }?.1)
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "))
        let listing = try signer.sign(method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")], headers: [("Host", "examplebucket.s3.amazonaws.com")],
                                      payloadSHA256: SignatureV4.emptyPayloadSHA256, at: Self.exampleTime)
        #expect(Self.signature(listing) == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
        #expect(!authorization.contains(Self.example.secretAccessKey))
    }

    @Test("dates: leap days, year ends and the epoch", arguments: [
        (Int64(0), "19700101T000000Z"), (951_782_400, "20000229T000000Z"), (1_798_761_599, "20261231T235959Z"), (1_796_397_112, "20261204T151152Z"),
    ])
    func dates(seconds: Int64, expected: String) {
        #expect(SignatureV4.amzDate(seconds) == expected)
    }

    /// Seeded cases (keys with spaces, '$', '+', '%', non-ASCII; queries; conditional headers)
    /// signed by ours and by botocore's signer: the path's encoding and the signature agree.
    @Test("200 seeded requests signed by botocore and by ours agree, path and signature")
    func againstBotocore() throws {
        var random = SplitMix64.seeded(for: "sigv4-botocore")
        print("sigv4 differential: seed \(random.seed)")
        let alphabet = Array("abcXYZ019-_.~/ $+%&=?é😀!'()*,;:@")
        let methods = ["GET", "PUT", "DELETE"]
        var cases: [[String: Any]] = []
        var ours: [(path: String, signature: String)] = []
        var keys: [String] = []
        for index in 0..<200 {
            let key = String((0..<(1 + Int(random.next() % 24))).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            let method = methods[index % 3]
            var query: [(String, String)] = []
            if index % 4 == 0 { query = [("list-type", "2"), ("prefix", key), ("max-keys", String(random.next() % 1000))] }
            var headers: [(String, String)] = [("Host", "127.0.0.1:\(9000 + index)")]
            if index % 5 == 0 { headers.append(("If-Match", "\"\(random.next().paddedHex)\"")) }
            if index % 7 == 0 { headers.append(("Content-Type", "application/octet-stream")) }
            let payload = index % 2 == 0 ? SignatureV4.emptyPayloadSHA256 : try SignatureV4.sha256Hex(Array("body \(index)".utf8))
            let seconds = Int64(1_700_000_000 + random.next() % 100_000_000)
            let secret = "secret/\(random.next().paddedHex)+"
            let region = ["us-east-1", "eu-central-1", "ap-southeast-2"][index % 3]
            let path = "/fleet-bucket/" + SignatureV4.uriEncode(key, keepSlash: true)
            keys.append(key)
            let signer = SignatureV4(credentials: S3Credentials(accessKeyID: "AKID\(index)", secretAccessKey: secret), region: region)
            let signed = try signer.sign(method: method, path: path, query: query, headers: headers, payloadSHA256: payload, at: seconds)
            ours.append((path, try #require(Self.signature(signed))))
            cases.append(["method": method, "bucket": "fleet-bucket", "key": key, "query": query.map { [$0.0, $0.1] }, "headers": headers.map { [$0.0, $0.1] },
                          "payload_sha256": payload, "timestamp": SignatureV4.amzDate(seconds), "region": region, "access_key_id": "AKID\(index)", "secret": secret])
        }
        let input = try cases.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }.joined(separator: "\n") + "\n"
        let output = try ProcessSupport.run("python3", [Fixtures.path("sigv4_botocore.py")], stdin: input)
        #expect(output.status == 0, "\(output.stderr)")
        let answers = output.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        #expect(answers.count == ours.count)
        for (index, (answer, mine)) in zip(answers, ours).enumerated() {
            let key = keys[index]
            #expect(answer?["path"] == mine.path, "case \(index): key \(key)")
            #expect(answer?["signature"] == mine.signature, "case \(index): key \(key)")
        }
    }
}

@Suite("The XML reader for S3's answers")
struct XMLNodeTests {
    @Test("a ListObjectsV2 answer: entries, quoted ETags, truncation")
    func listing() throws {
        let text = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n" + #"<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>true</IsTruncated><Contents><Key>edge/v1/a &amp; b</Key><ETag>&quot;d41d8&quot;</ETag></Contents><Contents><Key><![CDATA[edge/<c>]]></Key><ETag>"e2"</ETag></Contents><NextContinuationToken>tok&#x2F;1</NextContinuationToken><Prefix/></ListBucketResult>"#
        let root = try XMLNode.parse(Array(text.utf8))
        #expect(root.name == "ListBucketResult")
        #expect(root.all("Contents").map { $0.child("Key")?.text } == ["edge/v1/a & b", "edge/<c>"])
        #expect(root.all("Contents").map { $0.child("ETag")?.text } == ["\"d41d8\"", "\"e2\""])
        #expect(root.child("NextContinuationToken")?.text == "tok/1")
        #expect(root.child("Prefix")?.text == "")
    }

    @Test("hostile or broken documents are refused with where", arguments: [
        ("<!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>", "DTD"),
        ("<a><b></a>", "closes"),
        ("<a>", "not closed"),
        ("<a>&bogus;</a>", "unknown entity"),
        ("<a>&#0;</a>", "unknown entity"),
        ("<a></a><b></b>", "after the root"),
        ("plain", "root element"),
        (String(repeating: "<a>", count: 40) + String(repeating: "</a>", count: 40), "deeper"),
    ])
    func refused(text: String, expected: String) {
        #expect {
            _ = try XMLNode.parse(Array(text.utf8))
        } throws: { error in
            "\(error)".contains(expected) && "\(error)".contains("at byte")
        }
    }
}

/// moto's S3 server on loopback, one per suite, with a bucket of its own per test.
final class S3World: @unchecked Sendable {
    static let credentials = S3Credentials(accessKeyID: "AKIDFLEETTEST", secretAccessKey: "fleet-test-secret")
    let server: S3Server
    let clock = ManualClock()

    init() async throws {
        server = try await ProcessSupport.detached { try S3Server() }
    }

    func client(bucket: String, pageSize: Int = 1000) async throws -> S3Client {
        let location = try S3Location.parse("\(server.endpoint)/\(bucket)", region: "us-east-1")
        let client = S3Client(location: location, credentials: Self.credentials, transport: CurlTransport(), pageSize: pageSize)
        try await client.createBucket()
        return client
    }
}

@Suite("The fleet store over S3 (moto's server)", .serialized)
struct S3FleetTests {
    let world: S3World

    init() async throws { world = try await S3World() }

    @Test("conditional GET is a 304 when unchanged; conditional PUT creates once and swaps only from the ETag read")
    func conditionalRequests() async throws {
        let client = try await world.client(bucket: "conditional")
        #expect(try await client.get("edge/v1/channels/stable") == .missing)
        let first = try #require(try await client.put("edge/v1/channels/stable", Array("one".utf8), condition: .absent))
        #expect(try await client.put("edge/v1/channels/stable", Array("again".utf8), condition: .absent) == nil, "created twice")
        #expect(try await client.get("edge/v1/channels/stable", ifNoneMatch: first) == .notModified)
        let second = try #require(try await client.put("edge/v1/channels/stable", Array("two".utf8), condition: .matches(first)))
        #expect(second != first)
        #expect(try await client.put("edge/v1/channels/stable", Array("stale".utf8), condition: .matches(first)) == nil, "a stale ETag won")
        #expect(try await client.get("edge/v1/channels/stable", ifNoneMatch: first) == .object(Array("two".utf8), etag: second))
        #expect(try await client.delete("edge/v1/channels/stable", ifMatch: first) == false)
        #expect(try await client.delete("edge/v1/channels/stable", ifMatch: second))
        #expect(try await client.get("edge/v1/channels/stable") == .missing)
    }

    @Test("a listing reads page after page, keys with odd characters included")
    func paging() async throws {
        let client = try await world.client(bucket: "paging", pageSize: 2)
        let keys = ["edge/v1/a", "edge/v1/b c", "edge/v1/d+e", "edge/v1/f$g/h", "edge/v1/ü", "other/x"]
        for key in keys { _ = try await client.put(key, Array(key.utf8)) }
        let listed = try await client.list(prefix: "edge/v1/")
        #expect(listed.map(\.key).sorted() == keys.filter { $0.hasPrefix("edge/v1/") }.sorted())
        for entry in listed {
            guard case .object(let bytes, let etag) = try await client.get(entry.key) else { Issue.record("\(entry.key) did not read"); continue }
            #expect(bytes == Array(entry.key.utf8))
            #expect(etag == entry.etag)
        }
    }

    @Test("an unknown bucket and an unreachable server are clear errors")
    func failures() async throws {
        let location = try S3Location.parse("\(world.server.endpoint)/no-such-bucket", region: "us-east-1")
        let client = S3Client(location: location, credentials: S3World.credentials, transport: CurlTransport())
        await #expect(throws: FleetError.missing(key: "no-such-bucket", what: "bucket no-such-bucket")) { _ = try await client.list(prefix: "edge/") }
        let closed = try S3Location.parse("http://127.0.0.1:\(try ProcessSupport.freePort())/fleet", region: "us-east-1")
        do {
            _ = try await S3Client(location: closed, credentials: S3World.credentials, transport: CurlTransport(), timeout: .seconds(2)).get("edge/x")
            Issue.record("an unreachable server answered")
        } catch {
            #expect(error.exitStatus == .unavailable)
            #expect(!"\(error)".contains(S3World.credentials.secretAccessKey))
        }
        for bad in ["ftp://h/b", "http://h", "http://h/a/b", "http://u:p@h/bucket", "http://h/UPPER", "http://h/b?x=1"] {
            #expect(throws: FleetError.self, "\(bad)") { _ = try S3Location.parse(bad, region: "us-east-1") }
        }
        #expect(throws: FleetError.self) { _ = try S3Location.parse("http://h/bucket", region: "US East") }
    }

    @Test("the seam over S3: revisions stand in for ETags, 'changed since' reads only what changed, deletions vanish")
    func storeSeam() async throws {
        let store = S3FleetStore(client: try await world.client(bucket: "seam"))
        let writer = S3FleetStore(client: try await world.client(bucket: "seam"))
        #expect(try await writer.commit([.absent("/edge/v1/devices/box-1/desired")], [.put("/edge/v1/devices/box-1/desired", Array("d1".utf8))]))
        #expect(try await writer.commit([], [.put("/edge/v1/devices/box-1/status", Array("s1".utf8)), .put("/edge/v1/devices/box-2/status", Array("x".utf8))]))
        let first = try await store.list(prefix: "/edge/v1/devices/box-1/", changedSince: nil)
        #expect(first.values.map(\.key).sorted() == ["/edge/v1/devices/box-1/desired", "/edge/v1/devices/box-1/status"])
        let quiet = try await store.list(prefix: "/edge/v1/devices/box-1/", changedSince: first.revision + 1)
        #expect(quiet.values.isEmpty, "nothing changed, yet \(quiet.values.map(\.key)) came back")
        #expect(try await writer.commit([], [.put("/edge/v1/devices/box-1/status", Array("s2".utf8))]))
        let changed = try await store.list(prefix: "/edge/v1/devices/box-1/", changedSince: quiet.revision + 1)
        #expect(changed.values.map(\.key) == ["/edge/v1/devices/box-1/status"])
        #expect(changed.values.first?.value == Array("s2".utf8))
        #expect(try await writer.commit([], [.delete("/edge/v1/devices/box-1/desired")]))
        let after = try await store.list(prefix: "/edge/v1/devices/box-1/", changedSince: nil)
        #expect(after.values.map(\.key) == ["/edge/v1/devices/box-1/status"])
        #expect(try await store.get("/edge/v1/devices/box-1/desired") == nil)
    }

    @Test("compare-and-swap over S3: of two writers that read the same version, one wins")
    func compareAndSwap() async throws {
        let one = S3FleetStore(client: try await world.client(bucket: "cas"))
        let two = S3FleetStore(client: try await world.client(bucket: "cas"))
        let key = "/edge/v1/channels/stable"
        #expect(try await one.commit([.absent(key)], [.put(key, Array("a".utf8))]))
        #expect(try await two.commit([.absent(key)], [.put(key, Array("b".utf8))]) == false)
        let seenByOne = try #require(try await one.get(key))
        let seenByTwo = try #require(try await two.get(key))
        #expect(try await one.commit([.unchanged(key, modRevision: seenByOne.modRevision)], [.put(key, Array("from one".utf8))]))
        #expect(try await two.commit([.unchanged(key, modRevision: seenByTwo.modRevision)], [.put(key, Array("from two".utf8))]) == false)
        #expect(try await two.get(key)?.value == Array("from one".utf8))
        // A transaction over several objects cannot be had on S3: refused, nothing written.
        await #expect(throws: FleetError.self) {
            _ = try await one.commit([.unchanged(key, modRevision: 1), .absent("/edge/v1/rollouts/r1/state")],
                                     [.put(key, Array("x".utf8)), .put("/edge/v1/rollouts/r1/state", Array("y".utf8))])
        }
        #expect(try await two.get("/edge/v1/rollouts/r1/state") == nil)
        #expect(try await two.get(key)?.value == Array("from one".utf8))
    }

    @Test("publishing, channels and enrollment over S3; agents take their channel's release and apply their site's configuration once; rollouts are refused with the reason")
    func agentsOverS3() async throws {
        let store = S3FleetStore(client: try await world.client(bucket: "agents"))
        let engine = RolloutEngine(store: store, clock: world.clock)
        let old = version("2026.11.1"), new = version("2026.12.1")
        for (text, digit) in [("2026.11.1", "a"), ("2026.12.1", "b")] {
            try await engine.publish(ReleaseEntry(version: version(text), bundleSHA256: String(repeating: digit, count: 64), bundle: "https://releases.example/edge-\(version(text)).tar.gz", signature: nil, publishedAt: world.clock.epoch))
        }
        // Published content is immutable over S3 too.
        await #expect(throws: FleetError.self) {
            try await engine.publish(ReleaseEntry(version: old, bundleSHA256: String(repeating: "c", count: 64), bundle: "https://releases.example/edge-\(old).tar.gz", signature: nil, publishedAt: 0))
        }
        try await engine.setChannel(name("stable"), stable: old)
        let devices = Plans.devices(4)
        for device in devices { try await engine.enroll(device, DeviceEnrollment(site: name("site-1"), channel: name("stable"))) }
        _ = try await store.commit([], [.put(FleetLayout().siteConfig(name("site-1")), Array(#"{"site":"one"}"#.utf8))])

        var boxes: [FleetName: SimulatedBox] = [:]
        var agents: [DeviceAgent] = []
        var random = SplitMix64.seeded(for: "agentsOverS3")
        for device in devices {
            let box = SimulatedBox(release: old, clock: world.clock)
            boxes[device] = box
            // Each agent its own client: its own ETags and revisions, as on a box.
            let own = S3FleetStore(client: try await world.client(bucket: "agents"))
            agents.append(DeviceAgent(device: device, store: own, box: box, clock: world.clock,
                                      schedule: PollSchedule(interval: 60, jitter: 0.2, backoffBase: 5, backoffCap: 300), heartbeat: 300, seed: random.next()))
        }
        for agent in agents { _ = await agent.tick() }
        try await engine.setChannel(name("stable"), stable: new)
        for _ in 0..<2 {
            world.clock.advance(60)
            for agent in agents { _ = await agent.tick() }
        }
        for device in devices {
            #expect(boxes[device]?.running == new, "\(device)")
            #expect(boxes[device]?.configs == 1, "\(device) applied its site configuration \(boxes[device]?.configs ?? 0) times")
            let status = try #require(try await store.get(FleetLayout().status(device)), "\(device) reported nothing")
            #expect(try FleetRecordCodec.decode(DeviceReport.self, from: status.value, key: "status").release == new)
        }
        await #expect(throws: FleetError.self) {
            try await engine.start(RolloutPlan(id: name("r1"), channel: name("stable"), from: new, to: old,
                                               canary: .init(size: 1, soakSeconds: 60, deadlineSeconds: 60), waves: [], abort: .init(), createdAt: 0))
        }
        #expect(try await store.get(FleetLayout().rolloutState(name("r1"))) == nil, "a refused start left a rollout behind")
    }

    @Test("with moto checking every signature and policy: our signed requests pass, a wrong secret is refused, and a box's key reads its own and the shared objects and writes only its status")
    func perDeviceKeys() async throws {
        let server = try await ProcessSupport.detached { try S3Server(checkingSignatures: true) }
        let setup = try await ProcessSupport.runDetached("python3", [Fixtures.path("s3_iam.py"), "--endpoint", server.endpoint, "--bucket", "fleet-iam",
                                                                     "--site", "site-1", "--device", "box-1", "--device", "box-2"])
        #expect(setup.status == 0, "\(setup.stderr)")
        let keys = try #require(try JSONSerialization.jsonObject(with: Data(setup.stdout.utf8)) as? [String: Any])
        func credentials(_ pair: Any?) throws -> S3Credentials {
            let pair = try #require(pair as? [String])
            return S3Credentials(accessKeyID: pair[0], secretAccessKey: pair[1])
        }
        let location = try S3Location.parse("\(server.endpoint)/fleet-iam", region: "us-east-1")
        let operatorStore = S3FleetStore(client: S3Client(location: location, credentials: try credentials(keys["operator"]), transport: CurlTransport()))
        let devices = try #require(keys["devices"] as? [String: Any])
        let layout = FleetLayout()
        let engine = RolloutEngine(store: operatorStore, clock: world.clock)
        try await engine.publish(ReleaseEntry(version: version("2026.11.1"), bundleSHA256: String(repeating: "a", count: 64), bundle: "https://releases.example/edge-\(version("2026.11.1")).tar.gz", signature: nil, publishedAt: 0))
        try await engine.setChannel(name("stable"), stable: version("2026.11.1"))
        for device in ["box-1", "box-2"] { try await engine.enroll(name(device), DeviceEnrollment(site: name("site-1"), channel: name("stable"))) }
        #expect(try await operatorStore.commit([], [.put(layout.siteConfig(name("site-1")), Array("{}".utf8)), .put(layout.siteConfig(name("site-2")), Array("{}".utf8))]))

        let box1 = S3Client(location: location, credentials: try credentials(devices["box-1"]), transport: CurlTransport())
        let store1 = S3FleetStore(client: box1)
        #expect(try await store1.get(layout.channel(name("stable"))) != nil)
        #expect(try await store1.get(layout.enrollment(name("box-1"))) != nil)
        #expect(try await store1.get(layout.siteConfig(name("site-1"))) != nil)
        // (No listing here: with its IAM emulation on, moto checks a listing's signature against
        // the query as its web layer decoded it, so any prefix with a '/' fails for every
        // client, botocore's own included. Listings are checked without it, above.)
        #expect(try await store1.commit([], [.put(layout.status(name("box-1")), Array("{}".utf8))]))
        for key in [layout.enrollment(name("box-2")), layout.siteConfig(name("site-2"))] {
            await #expect(throws: FleetError.self, "\(key) was readable") { _ = try await store1.get(key) }
        }
        for key in [layout.status(name("box-2")), layout.desired(name("box-1")), layout.channel(name("stable")), layout.enrollment(name("box-1"))] {
            await #expect { _ = try await store1.commit([], [.put(key, Array("{}".utf8))]) } throws: { error in
                guard let error = error as? FleetError, case .permissionDenied = error else { return false }
                return true
            }
        }
        // The right key id with the wrong secret: moto recomputes the signature and refuses it.
        let forged = S3Client(location: location, credentials: S3Credentials(accessKeyID: try credentials(devices["box-1"]).accessKeyID, secretAccessKey: "not-the-secret"),
                              transport: CurlTransport())
        await #expect { _ = try await forged.get(String(layout.channel(name("stable")).dropFirst())) } throws: { error in
            guard let error = error as? FleetError, case .permissionDenied(let detail) = error else { return false }
            return detail.contains("SignatureDoesNotMatch") && !detail.contains("not-the-secret")
        }
    }
}
