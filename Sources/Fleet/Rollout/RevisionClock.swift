/// The rollout engine's own clock, tied to the store's history: each mark says "at engine time
/// `at` (read before asking), the store was at revision `revision` or later". A record written
/// at a revision above a mark's was written after that mark's time. That is how the engine
/// judges a device's report fresh without believing the time the device wrote into it: a
/// report is fresh when the store wrote it after a moment the engine itself saw within the
/// freshness window.
///
/// Marks are kept denser for the recent past and thinned with age (10 s apart, or a sixtieth of
/// a mark's age when that is more: a report an hour old is placed within two minutes), so a day of marks is a few hundred; a thinned history only
/// makes a report look older, never newer. Pure: the engine notes marks, keeps them in the store
/// (`engine-clock`) for other engines and later runs, and asks.
public struct RevisionClock: Sendable, Equatable, Codable {
    public struct Mark: Sendable, Equatable, Codable {
        public var revision: Int64
        public var at: Int64

        public init(revision: Int64, at: Int64) {
            self.revision = revision
            self.at = at
        }
    }

    /// Oldest first; revisions and times both rise.
    public private(set) var marks: [Mark]

    /// How long marks are kept: the longest freshness a plan may ask for, and a margin.
    public static let horizon: Int64 = 86_400 + 3_600
    /// The most marks kept (a record of some 10 KB).
    public static let maximumMarks = 1_000

    public init(marks: [Mark] = []) { self.marks = marks }

    enum CodingKeys: String, CodingKey { case marks }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        marks = try c.decode([Mark].self, forKey: .marks)
        guard marks.count <= Self.maximumMarks else {
            throw DecodingError.dataCorruptedError(forKey: .marks, in: c, debugDescription: "more than \(Self.maximumMarks) marks")
        }
        for (earlier, later) in zip(marks, marks.dropFirst()) where later.revision < earlier.revision || later.at < earlier.at {
            throw DecodingError.dataCorruptedError(forKey: .marks, in: c, debugDescription: "marks must rise in revision and time")
        }
    }

    /// The latest engine time known to come before a write at `revision`; nil when no mark is
    /// old enough to say.
    public func writtenAfter(revision: Int64) -> Int64? {
        var low = 0, high = marks.count
        while low < high {
            let middle = (low + high) / 2
            if marks[middle].revision < revision { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : marks[low - 1].at
    }

    /// Whether a record written at `revision` is provably no older than `seconds` at `now`.
    public func isFresh(revision: Int64, now: Int64, seconds: Int64) -> Bool {
        guard let after = writtenAfter(revision: revision) else { return false }
        return after >= now - seconds
    }

    /// Notes that the store was at `revision` (or later) at `at`; merges marks another engine
    /// kept. Each mark is a fact, and the best lower bound for a write is the latest time among
    /// marks below its revision: a mark that another mark dominates (a revision as high or
    /// higher, at a time no later) adds nothing and is dropped, so times rise with revisions.
    public mutating func note(_ mark: Mark) { merge([mark], now: mark.at) }

    public mutating func merge(_ others: [Mark], now: Int64) {
        let sorted = (marks + others).sorted { ($0.revision, $0.at) < ($1.revision, $1.at) }
        var all: [Mark] = []
        for mark in sorted {
            // The same revision seen later is the better claim: it replaces the earlier one.
            while let last = all.last, last.revision == mark.revision { all.removeLast() }
            if let last = all.last, last.at >= mark.at { continue }
            all.append(mark)
        }
        // Thin with age, oldest first (the newest is always kept), and drop what is past the
        // horizon: a mark stays when it is far enough from the last one kept before it.
        let recent = all.filter { now - $0.at <= Self.horizon }
        var thinned: [Mark] = []
        for (index, mark) in recent.enumerated() {
            if index < recent.count - 1, let older = thinned.last, mark.at - older.at < max(10, (now - mark.at) / 60) { continue }
            thinned.append(mark)
        }
        marks = Array(thinned.suffix(Self.maximumMarks))
    }
}
