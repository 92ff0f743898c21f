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

/// When a device takes a new release: at once, inside a daily window in the site's time zone
/// (an offset from UTC in minutes, as the site spec gives it), or only when told by hand.
public enum UpdatePolicy: Sendable, Equatable, Codable {
    case immediate
    /// Minutes after local midnight: the window opens at `start` and lasts `minutes`.
    case window(start: Int, minutes: Int, utcOffsetMinutes: Int)
    case manual

    enum CodingKeys: String, CodingKey { case mode, start, minutes, utcOffsetMinutes = "utc_offset_minutes" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .mode) {
        case "immediate": self = .immediate
        case "manual": self = .manual
        case "window":
            let start = try c.decode(Int.self, forKey: .start), minutes = try c.decode(Int.self, forKey: .minutes)
            let offset = try c.decode(Int.self, forKey: .utcOffsetMinutes)
            guard (0..<1440).contains(start) else { throw DecodingError.dataCorruptedError(forKey: .start, in: c, debugDescription: "expected minutes after midnight, 0-1439") }
            guard (1...1440).contains(minutes) else { throw DecodingError.dataCorruptedError(forKey: .minutes, in: c, debugDescription: "expected a length of 1-1440 minutes") }
            guard (-720...840).contains(offset) else { throw DecodingError.dataCorruptedError(forKey: .utcOffsetMinutes, in: c, debugDescription: "expected an offset of -720 to 840 minutes") }
            self = .window(start: start, minutes: minutes, utcOffsetMinutes: offset)
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .mode, in: c, debugDescription: "'\(other)' is not a policy: expected immediate, window or manual")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .immediate: try c.encode("immediate", forKey: .mode)
        case .manual: try c.encode("manual", forKey: .mode)
        case .window(let start, let minutes, let offset):
            try c.encode("window", forKey: .mode)
            try c.encode(start, forKey: .start)
            try c.encode(minutes, forKey: .minutes)
            try c.encode(offset, forKey: .utcOffsetMinutes)
        }
    }

    /// Whether an update may start at `now` (seconds since the epoch, UTC).
    public func allows(at now: Int64) -> Bool {
        switch self {
        case .immediate: return true
        case .manual: return false
        case .window(let start, let minutes, let offset):
            let local = ((now / 60 + Int64(offset)) % 1440 + 1440) % 1440
            let end = Int64(start + minutes)
            return (Int64(start)..<end).contains(local) || (end > 1440 && local < end - 1440)
        }
    }
}
