/// A time zone's rules as the zoneinfo database compiles them (TZif, RFC 8536): the offset
/// from UTC at any instant, across daylight-saving changes, from the transitions in the file
/// and, past its last transition, the POSIX TZ rule in its footer (the "slim" files the
/// database now makes carry little more than that rule). Pure: the caller reads the file (a
/// box's /usr/share/zoneinfo/NAME). Written here because the box tools link
/// FoundationEssentials only, whose TimeZone knows fixed offsets but not the database.
public struct ZoneRules: Sendable, Equatable {
    public struct LocalType: Sendable, Equatable {
        /// Seconds east of UTC.
        public var offset: Int64
        public var isDST: Bool
    }

    /// Transition instants (seconds since the epoch, rising) and the local type from each on.
    public private(set) var transitions: [Int64]
    public private(set) var transitionTypes: [Int]
    public private(set) var types: [LocalType]
    /// The rule for instants after the last transition.
    public private(set) var footer: PosixRule?

    /// The shape of an IANA zone name (`Europe/Paris`, `America/Argentina/Buenos_Aires`,
    /// `Etc/GMT+5`): parts of letters, digits, '_', '-' and '+' separated by '/', none '.' or
    /// '..', not absolute; it is read as a path under a zoneinfo directory.
    public static func isZoneName(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 64, !text.hasPrefix("/") else { return false }
        return text.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { part in
            !part.isEmpty && part != "." && part != ".." && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-+".contains($0)) }
        }
    }

    /// The most a zone file may be (the largest in the database is a few kilobytes).
    public static let maximumBytes = 256 << 10

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var detail: String
        public var description: String { "not a compiled zone file (TZif): \(detail)" }
    }

    /// The offset from UTC, in seconds, at `instant` (seconds since the epoch).
    public func offset(at instant: Int64) -> Int64 {
        if let last = transitions.last, instant >= last, let footer {
            return footer.offset(at: instant)
        }
        guard let first = transitions.first, instant >= first else {
            // Before the first transition: the first standard-time type (RFC 8536, 3.2).
            return (types.first { !$0.isDST } ?? types.first).map(\.offset) ?? footer?.offset(at: instant) ?? 0
        }
        var low = 0, high = transitions.count
        while low < high {
            let middle = (low + high) / 2
            if transitions[middle] <= instant { low = middle + 1 } else { high = middle }
        }
        return types[transitionTypes[low - 1]].offset
    }

    // MARK: reading TZif

    public static func parse(_ bytes: [UInt8]) throws(Problem) -> ZoneRules {
        guard bytes.count <= maximumBytes else { throw Problem(detail: "\(bytes.count) bytes") }
        var reader = Reader(bytes: bytes)
        let first = try reader.header()
        guard first.version >= 2 else {
            // Version 1: 32-bit data only, no footer.
            return try reader.block(first, wide: false, footer: nil)
        }
        try reader.skip(first.dataLength(wide: false))
        let second = try reader.header()
        var rules = try reader.block(second, wide: true, footer: nil)
        rules.footer = try reader.footer()
        return rules
    }

    struct Header {
        var version: Int
        var isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt: Int

        func dataLength(wide: Bool) -> Int {
            let time = wide ? 8 : 4
            return timecnt * time + timecnt + typecnt * 6 + charcnt + leapcnt * (time + 4) + isstdcnt + isutcnt
        }
    }

    struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func take(_ count: Int) throws(Problem) -> ArraySlice<UInt8> {
            guard count >= 0, index + count <= bytes.count else { throw Problem(detail: "cut short") }
            defer { index += count }
            return bytes[index..<(index + count)]
        }

        mutating func skip(_ count: Int) throws(Problem) { _ = try take(count) }

        mutating func int32() throws(Problem) -> Int64 {
            let part = try take(4)
            let value = part.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return Int64(Int32(bitPattern: value))
        }

        mutating func int64() throws(Problem) -> Int64 {
            let part = try take(8)
            return Int64(bitPattern: part.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        }

        mutating func header() throws(Problem) -> Header {
            guard Array(try take(4)) == Array("TZif".utf8) else { throw Problem(detail: "no TZif magic") }
            let versionByte = try take(1).first ?? 0
            let version: Int
            switch versionByte {
            case 0: version = 1
            case UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "4"): version = Int(versionByte - UInt8(ascii: "0"))
            default: throw Problem(detail: "unknown version")
            }
            try skip(15)
            var counts: [Int] = []
            for _ in 0..<6 {
                let count = try int32()
                guard count >= 0, count < 1 << 20 else { throw Problem(detail: "a count out of range") }
                counts.append(Int(count))
            }
            let header = Header(version: version, isutcnt: counts[0], isstdcnt: counts[1], leapcnt: counts[2], timecnt: counts[3], typecnt: counts[4], charcnt: counts[5])
            guard header.typecnt >= 1, header.typecnt <= 256, header.isutcnt == 0 || header.isutcnt == header.typecnt,
                  header.isstdcnt == 0 || header.isstdcnt == header.typecnt else { throw Problem(detail: "counts that do not agree") }
            return header
        }

        mutating func block(_ header: Header, wide: Bool, footer: PosixRule?) throws(Problem) -> ZoneRules {
            var transitions: [Int64] = []
            for _ in 0..<header.timecnt { transitions.append(wide ? try int64() : try int32()) }
            guard zip(transitions, transitions.dropFirst()).allSatisfy({ $0 < $1 }) else { throw Problem(detail: "transitions out of order") }
            var transitionTypes: [Int] = []
            for byte in try take(header.timecnt) {
                guard Int(byte) < header.typecnt else { throw Problem(detail: "a transition names no type") }
                transitionTypes.append(Int(byte))
            }
            var types: [LocalType] = []
            for _ in 0..<header.typecnt {
                let offset = try int32()
                let dst = try take(1).first ?? 0
                _ = try take(1)
                guard offset > -89_999, offset < 93_600, dst <= 1 else { throw Problem(detail: "a local time type out of range") }
                types.append(LocalType(offset: offset, isDST: dst == 1))
            }
            try skip(header.charcnt + header.leapcnt * ((wide ? 8 : 4) + 4) + header.isstdcnt + header.isutcnt)
            return ZoneRules(transitions: transitions, transitionTypes: transitionTypes, types: types, footer: footer)
        }

        mutating func footer() throws(Problem) -> PosixRule? {
            guard index < bytes.count else { return nil }
            guard bytes[index] == 0x0a else { throw Problem(detail: "no footer line") }
            guard let end = bytes[(index + 1)...].firstIndex(of: 0x0a) else { throw Problem(detail: "an unterminated footer") }
            let text = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
            index = end + 1
            if text.isEmpty { return nil }
            guard let rule = PosixRule(text) else { throw Problem(detail: "a footer that is not a POSIX TZ rule") }
            return rule
        }
    }
}

/// A POSIX TZ string as zoneinfo footers write it (`CET-1CEST,M3.5.0,M10.5.0/3`,
/// `<+0330>-3:30`, `IST-2IDT,M3.4.4/26,M10.5.0`): standard time, and daylight time with the
/// rules of its start and end (month, week and weekday; a Julian day; or a day of the year),
/// each at a local time that may be negative or past 24 hours.
public struct PosixRule: Sendable, Equatable {
    public enum Day: Sendable, Equatable {
        /// `Jn`: day 1-365, February 29 never counted.
        case julian(Int)
        /// `n`: day 0-365, February 29 counted in leap years.
        case zeroBased(Int)
        /// `Mm.w.d`: weekday d (0 Sunday) of week w (1-4; 5 the last) of month m.
        case monthWeekDay(month: Int, week: Int, weekday: Int)
    }

    public struct Change: Sendable, Equatable {
        public var day: Day
        /// Local time of the change, seconds after midnight (default 02:00).
        public var time: Int64
    }

    /// Seconds east of UTC (POSIX writes them west, with the opposite sign).
    public var standardOffset: Int64
    public var daylightOffset: Int64?
    public var start: Change?
    public var end: Change?

    public init?(_ text: String) {
        var scanner = Scanner(Array(text.utf8))
        guard scanner.name(), let standard = scanner.offset() else { return nil }
        standardOffset = -standard
        if scanner.atEnd { daylightOffset = nil; start = nil; end = nil; return }
        guard scanner.name() else { return nil }
        var daylight = standardOffset + 3_600
        if !scanner.atEnd, scanner.peek != UInt8(ascii: ",") {
            guard let value = scanner.offset() else { return nil }
            daylight = -value
        }
        daylightOffset = daylight
        if scanner.atEnd {
            // No rule: the United States' since 2007, as glibc assumes.
            start = Change(day: .monthWeekDay(month: 3, week: 2, weekday: 0), time: 7_200)
            end = Change(day: .monthWeekDay(month: 11, week: 1, weekday: 0), time: 7_200)
            return
        }
        guard scanner.consume(","), let first = scanner.change(), scanner.consume(","), let second = scanner.change(), scanner.atEnd else { return nil }
        start = first
        end = second
    }

    /// The offset from UTC at `instant`.
    public func offset(at instant: Int64) -> Int64 {
        guard let daylight = daylightOffset, let start, let end else { return standardOffset }
        // The year, in local standard time; its start and end of daylight time, in UTC.
        let year = Self.civil(days: Self.floorDiv(instant + standardOffset, 86_400)).year
        let begins = Self.instant(of: start, year: year, offset: standardOffset)
        let ends = Self.instant(of: end, year: year, offset: daylight)
        let inDaylight = begins < ends
            ? instant >= begins && instant < ends
            // Southern hemisphere: daylight time spans the new year.
            : instant < ends || instant >= begins
        return inDaylight ? daylight : standardOffset
    }

    static func instant(of change: Change, year: Int64, offset: Int64) -> Int64 {
        let day: Int64
        switch change.day {
        case .julian(let n):
            // Days 1-365; from March on, a leap year's February 29 is skipped.
            day = Self.days(year: year, month: 1, day: 1) + Int64(n - 1) + (Self.isLeap(year) && n >= 60 ? 1 : 0)
        case .zeroBased(let n):
            day = Self.days(year: year, month: 1, day: 1) + Int64(n)
        case .monthWeekDay(let month, let week, let weekday):
            let first = Self.days(year: year, month: Int64(month), day: 1)
            let firstWeekday = Self.floorMod(first + 4, 7)
            var date = 1 + Self.floorMod(Int64(weekday) - firstWeekday, 7) + 7 * Int64(week - 1)
            let length = Self.monthLength(year: year, month: Int64(month))
            while date > length { date -= 7 }
            day = first + date - 1
        }
        return day * 86_400 + change.time - offset
    }

    // MARK: calendar arithmetic (proleptic Gregorian, days since 1970-01-01)

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }
    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }
    static func isLeap(_ year: Int64) -> Bool { CivilDate.isLeap(Int(year)) }
    static func monthLength(year: Int64, month: Int64) -> Int64 { Int64(CivilDate.daysIn(month: Int(month), year: Int(year))) }
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 { Int64(CivilDate.days(year: Int(year), month: Int(month), day: Int(day))) }
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let date = CivilDate.date(days: Int(days))
        return (Int64(date.year), Int64(date.month), Int64(date.day))
    }

    struct Scanner {
        let bytes: [UInt8]
        var index = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[index] }

        mutating func consume(_ text: String) -> Bool {
            let expected = Array(text.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<(index + expected.count)]) == expected else { return false }
            index += expected.count
            return true
        }

        /// A zone abbreviation: three or more letters, or anything but '>' in angle brackets.
        mutating func name() -> Bool {
            if consume("<") {
                let start = index
                while let byte = peek, byte != UInt8(ascii: ">") { index += 1 }
                guard index - start >= 3, consume(">") else { return false }
                return true
            }
            let start = index
            while let byte = peek, (byte | 0x20) >= UInt8(ascii: "a"), (byte | 0x20) <= UInt8(ascii: "z") { index += 1 }
            return index - start >= 3
        }

        mutating func number() -> Int64? {
            let start = index
            while let byte = peek, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
            guard index > start, index - start <= 3 else { return nil }
            return Int64(String(decoding: bytes[start..<index], as: UTF8.self))
        }

        /// `[+-]hh[:mm[:ss]]` in seconds (hours up to 167, as TZif version 3 allows).
        mutating func offset() -> Int64? {
            var sign: Int64 = 1
            if consume("-") { sign = -1 } else { _ = consume("+") }
            guard let hours = number(), hours <= 167 else { return nil }
            var seconds = hours * 3_600
            if consume(":") {
                guard let minutes = number(), minutes < 60 else { return nil }
                seconds += minutes * 60
                if consume(":") {
                    guard let extra = number(), extra < 60 else { return nil }
                    seconds += extra
                }
            }
            return sign * seconds
        }

        mutating func change() -> Change? {
            let day: Day
            if consume("M") {
                guard let month = number(), (1...12).contains(month), consume("."), let week = number(), (1...5).contains(week),
                      consume("."), let weekday = number(), (0...6).contains(weekday) else { return nil }
                day = .monthWeekDay(month: Int(month), week: Int(week), weekday: Int(weekday))
            } else if consume("J") {
                guard let n = number(), (1...365).contains(n) else { return nil }
                day = .julian(Int(n))
            } else {
                guard let n = number(), (0...365).contains(n) else { return nil }
                day = .zeroBased(Int(n))
            }
            var time: Int64 = 7_200
            if consume("/") {
                guard let value = offset() else { return nil }
                time = value
            }
            return Change(day: day, time: time)
        }
    }
}
