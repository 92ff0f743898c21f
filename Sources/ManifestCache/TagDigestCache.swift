import Basics
import FoundationEssentials
import ImageReference

/// What floating tags pointed at when last asked, and which of them moved: the fleet's
/// registry digest cache. Pure: the caller resolves what `due` names and hands the answers to
/// `record`. A reference pinned by digest never moves and is never kept here.
public struct TagDigestCache: Sendable, Equatable {
    public struct Entry: Sendable, Equatable, Codable {
        public var digest: Digest
        /// When this digest was first seen under the tag (seconds since the epoch).
        public var since: Int64
        /// When the registry was last asked.
        public var checkedAt: Int64

        enum CodingKeys: String, CodingKey { case digest, since, checkedAt = "checked_at" }
    }

    public struct Move: Sendable, Equatable, Codable {
        public var reference: String
        public var from: Digest
        public var to: Digest
        public var at: Int64
    }

    public private(set) var entries: [String: Entry] = [:]
    /// Moves seen, oldest first; the newest `movesKept` are kept.
    public private(set) var moves: [Move] = []
    public static let movesKept = 500
    public static let format = 1

    public init() {}

    /// The floating references whose answer is older than `ttl` (or never asked).
    public func due(_ references: [Reference], now: Int64, ttl: Int64) -> [Reference] {
        references.filter { reference in
            guard reference.digest == nil else { return false }
            guard let entry = entries[reference.description] else { return true }
            return now - entry.checkedAt >= ttl || entry.checkedAt > now
        }
    }

    /// When the first of `references` falls due (nil: none floats).
    public func nextDue(_ references: [Reference], ttl: Int64) -> Int64? {
        references.filter { $0.digest == nil }.map { (entries[$0.description]?.checkedAt ?? Int64.min) + ttl }.min()
    }

    /// Notes the registry's answer; returns the move when the tag now names another digest.
    @discardableResult
    public mutating func record(_ reference: Reference, digest: Digest, at now: Int64) -> Move? {
        guard reference.digest == nil else { return nil }
        let key = reference.description
        guard let previous = entries[key] else {
            entries[key] = Entry(digest: digest, since: now, checkedAt: now)
            return nil
        }
        guard previous.digest != digest else {
            entries[key]?.checkedAt = now
            return nil
        }
        let move = Move(reference: key, from: previous.digest, to: digest, at: now)
        entries[key] = Entry(digest: digest, since: now, checkedAt: now)
        moves.append(move)
        if moves.count > Self.movesKept { moves.removeFirst(moves.count - Self.movesKept) }
        return move
    }

    public func entry(_ reference: Reference) -> Entry? { entries[reference.description] }

    // MARK: the file

    struct File: Codable {
        var format: Int
        var entries: [String: Entry]
        var moves: [Move]
    }

    /// Canonical JSON (sorted keys): the same cache gives the same bytes.
    public func encoded() -> [UInt8] {
        CanonicalJSON.encode(File(format: Self.format, entries: entries, moves: moves))
    }

    public static let maximumBytes = 8 << 20

    /// Reads a cache back as possibly hostile: the format, every reference (it must parse and
    /// float) and digest is checked; what does not is refused with where it is.
    public static func decode(_ bytes: [UInt8]) throws(TagCacheProblem) -> TagDigestCache {
        guard bytes.count <= maximumBytes else { throw TagCacheProblem(pointer: "", detail: "is larger than \(maximumBytes) bytes") }
        let file: File
        do { file = try StrictJSON.decode(File.self, from: bytes, file: "the tag cache", maximumBytes: maximumBytes) } catch {
            let first = error.issues.first
            throw TagCacheProblem(pointer: error.pointer, detail: "\(first.map { "(line \($0.position)) " } ?? "")\(first?.message ?? "is not valid")")
        }
        guard file.format == format else { throw TagCacheProblem(pointer: "/format", detail: "is \(file.format); this reader knows format \(format)") }
        var cache = TagDigestCache()
        for (key, entry) in file.entries {
            let pointer = "/entries/" + JSONPointer.escape(key)
            guard let reference = try? Reference(parsing: key), reference.digest == nil, reference.description == key else {
                throw TagCacheProblem(pointer: pointer, detail: "is not a floating image reference in its normal form")
            }
            guard entry.since <= entry.checkedAt else { throw TagCacheProblem(pointer: pointer + "/since", detail: "is after checked_at") }
            cache.entries[key] = entry
        }
        guard file.moves.count <= movesKept else { throw TagCacheProblem(pointer: "/moves", detail: "holds more than \(movesKept) moves") }
        cache.moves = file.moves
        return cache
    }
}

/// Where a tag cache file is not what this toolchain writes.
public struct TagCacheProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var pointer: String
    public var detail: String

    public init(pointer: String, detail: String) {
        self.pointer = pointer
        self.detail = detail
    }

    public var description: String { pointer.isEmpty ? detail : "\(pointer) \(detail)" }
}
