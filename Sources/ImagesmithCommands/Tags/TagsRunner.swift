import Basics
import FoundationEssentials
import HostIO
import ImageReference
import ManifestCache
import RegistryClient

/// One pass (or, watching, pass after pass) of the registry digest cache: read the cache,
/// re-resolve the tags whose answer expired, note moves, write the cache back (crash-safe),
/// report. The cache is changed only by answers; a failed pass leaves it as it was.
public struct TagsRunner: Sendable {
    public var references: [String]
    public var cachePath: String
    public var ttl: Int64
    public var json: Bool
    public var registry: RegistrySetup
    public var environment: [String: String]
    public var output: CommandOutput
    public var clock: any WallClock
    /// How the watcher waits (tests count the waits instead).
    public var sleep: @Sendable (Int64) async -> Void

    public init(references: [String], cachePath: String, ttl: Int64, json: Bool = false, registry: RegistrySetup = RegistrySetup(),
                environment: [String: String], output: CommandOutput, clock: any WallClock = SystemClock(),
                sleep: @escaping @Sendable (Int64) async -> Void = { seconds in try? await Task.sleep(for: .seconds(seconds)) }) {
        self.references = references
        self.cachePath = cachePath
        self.ttl = ttl
        self.json = json
        self.registry = registry
        self.environment = environment
        self.output = output
        self.clock = clock
        self.sleep = sleep
    }

    public static func defaultCache(environment: [String: String]) -> String? {
        FileManifestStore.defaultRoot(environment: environment).map { String($0.dropLast("/manifests".count)) + "/tags.json" }
    }

    /// Pass after pass, each woken when the first answer expires; `passes` bounds it (tests).
    public func watch(passes: Int? = nil) async -> ExitStatus {
        var done = 0
        var last = ExitStatus.success
        while passes.map({ done < $0 }) ?? true {
            last = await run()
            done += 1
            if last == .dataError || last == .usage { return last }
            let now = Int64(clock.now().timeIntervalSince1970)
            let cache = (try? load()) ?? TagDigestCache()
            let parsed = references.compactMap { try? Reference(parsing: $0) }
            let wake = cache.nextDue(parsed, ttl: ttl) ?? (now + ttl)
            // A registry that failed (its tag is still due) is asked again after a tenth of the TTL.
            let wait = last == .success ? max(1, wake - now) : max(1, ttl / 10)
            if passes.map({ done < $0 }) ?? true { await sleep(wait) }
        }
        return last
    }

    struct Row: Encodable {
        var reference: String
        var digest: String?
        var state: String
        var movedFrom: String?
        var error: String?

        enum CodingKeys: String, CodingKey { case reference, digest, state, movedFrom = "moved_from", error }
    }

    struct Report: Encodable {
        var cache: String
        var references: [Row]
        var moved: [TagDigestCache.Move]
    }

    public func run() async -> ExitStatus {
        var parsed: [(given: String, reference: Reference)] = []
        var invalid: [String] = []
        for text in references {
            do {
                let reference = try Reference(parsing: text)
                if reference.digest != nil { invalid.append("'\(text.printable)' is pinned by digest: it cannot move, so it has no place in the tag cache") }
                parsed.append((text, reference))
            } catch { invalid.append("invalid reference '\(text.printable)': \(error)") }
        }
        if !invalid.isEmpty { return output.fail(.dataError, invalid + ["nothing was asked and the cache was not changed"], json: json) }
        var cache: TagDigestCache
        do { cache = try load() } catch { return output.fail(.dataError, ["\(cachePath.printable): \(error); nothing was asked and the cache was not changed"], json: json) }

        let now = Int64(clock.now().timeIntervalSince1970)
        let due = cache.due(parsed.map(\.reference), now: now, ttl: ttl)
        var results: [Reference: Result<ResolvedImage, RegistryError>] = [:]
        if !due.isEmpty {
            let resolver: Resolver
            do { resolver = try registry.makeResolver(environment: environment) } catch { return output.fail(error.exitStatus, ["\(error)"], json: json) }
            results = await resolver.resolve(due)
        }
        var rows: [Row] = []
        var moved: [TagDigestCache.Move] = []
        var failures: [RegistryError] = []
        let before = cache
        for (given, reference) in parsed {
            let cached = cache.entry(reference)
            switch results[reference] {
            case nil:
                let age = now - (cached?.checkedAt ?? now)
                rows.append(Row(reference: given, digest: cached?.digest.description, state: "cached, asked \(age) s ago"))
            case .success(let image)?:
                if let move = cache.record(reference, digest: image.digest, at: now) {
                    moved.append(move)
                    rows.append(Row(reference: given, digest: image.digest.description, state: "moved", movedFrom: move.from.description))
                } else {
                    rows.append(Row(reference: given, digest: image.digest.description, state: cached == nil ? "new" : "unchanged"))
                }
            case .failure(let error)?:
                failures.append(error)
                rows.append(Row(reference: given, digest: cached?.digest.description,
                                state: cached == nil ? "failed" : "failed, cached answer kept", error: "\(error)"))
            }
        }
        if cache != before {
            do {
                try AtomicFile.makeDirectory(Path.directory(cachePath))
                try AtomicFile.write(cache.encoded(), to: cachePath)
            } catch {
                return output.fail(.cannotWrite, ["cannot write the tag cache \(cachePath.printable): \(error)"], json: json)
            }
        }
        if json {
            output.writeOut(CanonicalJSON.text(Report(cache: cachePath, references: rows, moved: moved)))
        } else {
            let width = rows.map(\.reference.count).max() ?? 0
            var text = ""
            for row in rows {
                text += row.reference.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + (row.digest ?? "-") + "  " + row.state
                if let from = row.movedFrom { text += " (was \(from))" }
                text += "\n"
            }
            text += moved.isEmpty ? "no tag moved\n" : "\(moved.count) tag\(moved.count == 1 ? "" : "s") moved\n"
            output.writeOut(text)
            for row in rows where row.error != nil { output.writeErr("imagesmith tags: \(row.reference): \(row.error!)\n") }
        }
        guard failures.isEmpty else { return failures.allSatisfy { $0.exitStatus == .unavailable } ? .unavailable : .failure }
        return .success
    }

    func load() throws -> TagDigestCache {
        switch BoundedFile.read(cachePath, limit: TagDigestCache.maximumBytes) {
        case .bytes(let bytes): return try TagDigestCache.decode(bytes)
        case .missing: return TagDigestCache()
        case let other: throw TagCacheProblem(pointer: "", detail: BoundedFile.problem(other, limit: TagDigestCache.maximumBytes) ?? "cannot be read")
        }
    }
}
