import Basics
import Foundation
import Hashing
import HTTPCore
import ImageReference
@testable import RegistryClient
import Testing

/// A registry in memory that is honest about its digests but hostile in every other way a
/// real one could be: indexes nested deep and wide, tokens and error messages carrying line
/// breaks and terminal escapes. Every request is recorded, headers included.
final class MemoryRegistry: HTTPTransport, @unchecked Sendable {
    private let lock = Basics.Lock()
    private var manifests: [String: (type: String, body: [UInt8])] = [:]
    private var tags: [String: String] = [:]
    private(set) var requests: [HTTPRequest] = []
    var token = "good-token"
    var refuseWith: (status: Int, body: String)?
    var requireToken = false

    static func digest(_ bytes: [UInt8]) -> String { try! OpenSSLDigester().digest(of: bytes, algorithm: .sha256).description }

    /// Stores a manifest and returns its digest.
    @discardableResult
    func put(_ body: [UInt8], type: String, tag: String? = nil) -> String {
        let digest = Self.digest(body)
        lock.withLock {
            manifests[digest] = (type, body)
            if let tag { tags[tag] = digest }
        }
        return digest
    }

    var requestCount: Int { lock.withLock { requests.count } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        lock.withLock { requests.append(request) }
        let path = request.url.path
        if path == "/token" {
            return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]),
                                body: Array(try JSONEncoder().encode(["token": token])))
        }
        if requireToken && request.headers["Authorization"] != "Bearer \(token)" {
            return HTTPResponse(status: 401, headers: HTTPHeaders([("WWW-Authenticate", #"Bearer realm="https://registry.test/token",service="registry.test""#)]), body: [])
        }
        if let refuseWith {
            return HTTPResponse(status: refuseWith.status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(refuseWith.body.utf8))
        }
        guard let range = path.range(of: "/manifests/") else { return HTTPResponse(status: 404, headers: HTTPHeaders(), body: []) }
        let reference = String(path[range.upperBound...])
        let found = lock.withLock { () -> (String, (type: String, body: [UInt8]))? in
            let digest = reference.hasPrefix("sha256:") ? reference : tags[reference]
            guard let digest, let manifest = manifests[digest] else { return nil }
            return (digest, manifest)
        }
        guard let (digest, manifest) = found else { return HTTPResponse(status: 404, headers: HTTPHeaders(), body: []) }
        let headers = HTTPHeaders([("Content-Type", manifest.type), ("Docker-Content-Digest", digest)])
        return HTTPResponse(status: 200, headers: headers, body: request.method == .head ? [] : manifest.body)
    }
}

/// A store that keeps everything (a warm cache), in memory.
final class MemoryStore: ManifestStore, @unchecked Sendable {
    private let lock = Basics.Lock()
    private var entries: [Digest: (mediaType: String, bytes: [UInt8])] = [:]
    func load(_ digest: Digest) -> (mediaType: String, bytes: [UInt8])? { lock.withLock { entries[digest] } }
    func store(_ digest: Digest, mediaType: String, bytes: [UInt8]) { lock.withLock { entries[digest] = (mediaType, bytes) } }
    func remove(_ digest: Digest) { _ = lock.withLock { entries.removeValue(forKey: digest) } }
    var count: Int { lock.withLock { entries.count } }
}

@Suite struct HostileRegistryTests {
    static func index(_ children: [(digest: String, platform: String?)], salt: Int) -> [UInt8] {
        let manifests = children.map { child -> [String: Any] in
            var entry: [String: Any] = ["mediaType": MediaType.ociIndex, "digest": child.digest, "size": 100]
            if let platform = child.platform {
                let parts = platform.split(separator: "/")
                entry["platform"] = ["os": String(parts[0]), "architecture": String(parts[1])]
            }
            return entry
        }
        let document: [String: Any] = ["schemaVersion": 2, "mediaType": MediaType.ociIndex, "manifests": manifests, "annotations": ["salt": "\(salt)"]]
        return Array(try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]))
    }

    /// An index of indexes `depth` levels deep with `width` entries each, none naming a
    /// platform (so a walk must open every one), all honest about their digests.
    static func tree(_ registry: MemoryRegistry, depth: Int, width: Int) -> String {
        var level: [String] = []
        var salt = 0
        // The leaves: empty indexes (no platform anywhere).
        for _ in 0..<width { salt += 1; level.append(registry.put(index([], salt: salt), type: MediaType.ociIndex)) }
        for _ in 1..<depth {
            var next: [String] = []
            for _ in 0..<width {
                salt += 1
                next.append(registry.put(index(level.map { ($0, nil) }, salt: salt), type: MediaType.ociIndex))
            }
            level = next
        }
        return registry.put(index(level.map { ($0, nil) }, salt: 0), type: MediaType.ociIndex, tag: "deep")
    }

    static func resolver(_ registry: MemoryRegistry, store: any ManifestStore = NoManifestStore(), deadline: Duration = .seconds(30)) -> Resolver {
        Resolver(transport: registry, digester: OpenSSLDigester(), store: store,
                 configuration: ResolverConfiguration(deadline: deadline, retry: RetryPolicy(maxAttempts: 1)))
    }

    @Test(arguments: [(5, 3), (3, 60), (1, 1200)])
    func anIndexTooDeepOrWideIsRefusedWithAClearError(depth: Int, width: Int) async throws {
        let registry = MemoryRegistry()
        Self.tree(registry, depth: depth, width: width)
        let resolver = Self.resolver(registry)
        let reference = try Reference(parsing: "registry.test/app:deep"), platform = try Platform(parsing: "linux/amd64")
        do throws(RegistryError) {
            _ = try await resolver.resolveOne(reference, platform: platform)
            Issue.record("expected a refusal")
        } catch {
            guard case .indexTooLarge = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains("refusing to walk the index"))
        }
        // Bounded: at most the budget of nested indexes (64) plus the top and its first path.
        #expect(registry.requestCount <= 64 + 8, "\(registry.requestCount) requests")
    }

    /// With every manifest cached, a walk makes no request at all: only the deadline (and
    /// the walk's bounds) can stop it. A deadline already passed stops it at once.
    @Test func theDeadlineCoversCacheHits() async throws {
        let registry = MemoryRegistry()
        let top = Self.tree(registry, depth: 4, width: 8)
        let store = MemoryStore()
        // Fill the cache (the walk stops at its bound, having cached what it read).
        let warm = Self.resolver(registry, store: store)
        _ = try? await warm.resolveOne(try Reference(parsing: "registry.test/app:deep"), platform: try Platform(parsing: "linux/amd64"))
        #expect(store.count > 1)
        let before = registry.requestCount
        // By digest, everything the walk needs first is in the cache: only the deadline stops it.
        let expired = Self.resolver(registry, store: store, deadline: .nanoseconds(1))
        try await Task.sleep(for: .milliseconds(5))
        let reference = try Reference(parsing: "registry.test/app@\(top)"), platform = try Platform(parsing: "linux/amd64")
        do throws(RegistryError) {
            _ = try await expired.resolveOne(reference, platform: platform)
            Issue.record("expected the deadline")
        } catch {
            guard case .deadlineExceeded = error else { Issue.record("\(error)"); return }
        }
        #expect(registry.requestCount == before, "a run past its deadline asked the registry")
    }

    /// A token with a line break in it would add a header to every later request: it is
    /// refused where it arrives, and no request ever carries it.
    @Test(arguments: ["tok\r\nX-Injected: 1", "tok\nX-Injected: 1", "tok\u{0}x", "tok en", "tök"])
    func aTokenThatIsNotATokenIsRefused(token: String) async throws {
        let registry = MemoryRegistry()
        registry.put(Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2},"layers":[]}"#.utf8),
                     type: MediaType.ociManifest, tag: "v1")
        registry.requireToken = true
        registry.token = token
        let reference = try Reference(parsing: "registry.test/app:v1")
        do throws(RegistryError) {
            _ = try await Self.resolver(registry).resolveOne(reference)
            Issue.record("expected a refusal")
        } catch {
            guard case .tokenServer = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains("a header must stay one header"))
        }
        for request in registry.requests {
            #expect(request.headers.firstUnsendable == nil)
            let injected = request.headers.entries.contains { entry in entry.name.lowercased() == "x-injected" || entry.value.contains("X-Injected") }
            #expect(!injected)
        }
    }

    @Test(arguments: [
        ("Authorization", "Bearer a\r\nX-Injected: 1", true),
        ("Authorization", "Bearer a\nb", true),
        ("Authorization", "Bearer a\u{0}", true),
        ("Authorization", "Bearer a\u{7f}", true),
        ("X Bad", "v", true),
        ("X-Bad:", "v", true),
        ("Accept", "application/json, text/plain;q=0.5\tx", false),
        ("Authorization", "Bearer eyJhbGciOi.J9-_~+/==", false),
    ])
    func headersThatCannotBeOneLineAreFound(name: String, value: String, unsendable: Bool) {
        var headers = HTTPHeaders()
        headers.add("Accept", "*/*")
        headers.add(name, value)
        #expect((headers.firstUnsendable != nil) == unsendable)
    }

    /// What a registry says reaches the terminal without its escape sequences or line breaks.
    @Test func aRegistrysWordsAreMadePrintable() async throws {
        let registry = MemoryRegistry()
        registry.refuseWith = (403, #"{"errors":[{"code":"DENIED","message":"\u001b]0;owned\u0007\u001b[2J\r\nfake: line"}]}"#)
        let reference = try Reference(parsing: "registry.test/app:v1")
        do throws(RegistryError) {
            _ = try await Self.resolver(registry).resolveOne(reference)
            Issue.record("expected a refusal")
        } catch {
            let text = error.description
            #expect(text.contains("DENIED"))
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }, "\(text.debugDescription)")
        }
    }
}
