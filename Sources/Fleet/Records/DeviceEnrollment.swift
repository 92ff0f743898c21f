import Basics

/// What the operator says about a device: its site, its channel and when it may update.
public struct DeviceEnrollment: Sendable, Equatable, Codable {
    public var site: FleetName
    public var channel: FleetName
    public var policy: UpdatePolicy

    public init(site: FleetName, channel: FleetName, policy: UpdatePolicy = .immediate) {
        self.site = site
        self.channel = channel
        self.policy = policy
    }
}

/// When a device takes a new release: at once, inside a daily window of local time, or only
/// when told by hand. The window's local time is an IANA time zone (`Europe/Paris`), read from
/// the box's own zoneinfo, so it follows daylight-saving changes; a fixed offset from UTC in
/// minutes (`utc_offset_minutes`, what records made before zones were taken say) still works,
/// and drifts an hour at each change.
public enum UpdatePolicy: Sendable, Equatable, Codable {
    case immediate
    /// Minutes after local midnight: the window opens at `start` and lasts `minutes`.
    case window(start: Int, minutes: Int, zone: WindowZone)
    case manual

    public enum WindowZone: Sendable, Equatable {
        /// An IANA zone name, as /usr/share/zoneinfo names its files.
        case named(String)
        /// Minutes east of UTC, all year.
        case fixed(utcOffsetMinutes: Int)
    }

    enum CodingKeys: String, CodingKey { case mode, start, minutes, zone, utcOffsetMinutes = "utc_offset_minutes" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .mode) {
        case "immediate": self = .immediate
        case "manual": self = .manual
        case "window":
            let start = try c.decode(Int.self, forKey: .start), minutes = try c.decode(Int.self, forKey: .minutes)
            guard (0..<1440).contains(start) else { throw DecodingError.dataCorruptedError(forKey: .start, in: c, debugDescription: "expected minutes after midnight, 0-1439") }
            guard (1...1440).contains(minutes) else { throw DecodingError.dataCorruptedError(forKey: .minutes, in: c, debugDescription: "expected a length of 1-1440 minutes") }
            let zone = try c.decodeIfPresent(String.self, forKey: .zone)
            let offset = try c.decodeIfPresent(Int.self, forKey: .utcOffsetMinutes)
            switch (zone, offset) {
            case (let zone?, nil):
                guard ZoneRules.isZoneName(zone) else { throw DecodingError.dataCorruptedError(forKey: .zone, in: c, debugDescription: "'\(zone.printable)' is not an IANA time zone name") }
                self = .window(start: start, minutes: minutes, zone: .named(zone))
            case (nil, let offset?):
                guard (-720...840).contains(offset) else { throw DecodingError.dataCorruptedError(forKey: .utcOffsetMinutes, in: c, debugDescription: "expected an offset of -720 to 840 minutes") }
                self = .window(start: start, minutes: minutes, zone: .fixed(utcOffsetMinutes: offset))
            default:
                throw DecodingError.dataCorruptedError(forKey: .zone, in: c, debugDescription: "a window needs exactly one of zone (an IANA time zone) and utc_offset_minutes")
            }
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .mode, in: c, debugDescription: "'\(other)' is not a policy: expected immediate, window or manual")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .immediate: try c.encode("immediate", forKey: .mode)
        case .manual: try c.encode("manual", forKey: .mode)
        case .window(let start, let minutes, let zone):
            try c.encode("window", forKey: .mode)
            try c.encode(start, forKey: .start)
            try c.encode(minutes, forKey: .minutes)
            switch zone {
            case .named(let name): try c.encode(name, forKey: .zone)
            case .fixed(let offset): try c.encode(offset, forKey: .utcOffsetMinutes)
            }
        }
    }

    /// Whether an update may start at `now` (seconds since the epoch, UTC): `rules` gives a
    /// named zone's rules (from the box's zoneinfo), nil when the box does not have it; then
    /// the answer is nil (not known: the box does not update, and says why).
    ///
    /// The window is wall-clock time: on the day daylight time starts, a window across the
    /// skipped hour is that much shorter; on the day it ends, a window across the repeated
    /// hour is that much longer.
    public func allows(at now: Int64, rules: (String) -> ZoneRules? = { _ in nil }) -> Bool? {
        switch self {
        case .immediate: return true
        case .manual: return false
        case .window(let start, let minutes, let zone):
            let offsetSeconds: Int64
            switch zone {
            case .fixed(let minutes): offsetSeconds = Int64(minutes) * 60
            case .named(let name):
                guard let found = rules(name) else { return nil }
                offsetSeconds = found.offset(at: now)
            }
            let local = (((now + offsetSeconds) / 60) % 1440 + 1440) % 1440
            let end = Int64(start + minutes)
            return (Int64(start)..<end).contains(local) || (end > 1440 && local < end - 1440)
        }
    }
}
