/// How one rollout moves a channel from one release to another (or, for a `config` rollout,
/// a site's config channel from one config version to another): a mandatory canary cohort
/// that tolerates no failure and soaks, then waves by share of the channel's devices, each
/// with its soak time, a progress deadline, and criteria that stop it. Immutable once stored.
public struct RolloutPlan: Sendable, Equatable, Codable {
    public var id: FleetName
    /// What moves: a release channel's release, or a site's configuration.
    public var kind: Kind
    /// The release channel, or for a config rollout the site.
    public var channel: FleetName
    public var from: FleetVersion
    public var to: FleetVersion
    public var canary: Stage
    /// Cumulative shares of the channel's devices, in percent, rising, ending at 100.
    public var waves: [Stage]
    public var abort: AbortCriteria
    /// What a device that has not reported on the new release by a stage's deadline means.
    public var silence: Silence
    /// A healthy report the store wrote longer ago than this (seconds, by the engine's revision
    /// clock) counts as silence.
    public var freshSeconds: Int64
    public var createdAt: Int64

    public struct Stage: Sendable, Equatable, Codable {
        /// For the canary: how many devices; for a wave: the cumulative percent.
        public var size: Int
        public var soakSeconds: Int64
        /// Every device of the stage must have reported healthy on the new release by then.
        public var deadlineSeconds: Int64

        enum CodingKeys: String, CodingKey { case size, soakSeconds = "soak_seconds", deadlineSeconds = "deadline_seconds" }

        public init(size: Int, soakSeconds: Int64, deadlineSeconds: Int64) {
            self.size = size
            self.soakSeconds = soakSeconds
            self.deadlineSeconds = deadlineSeconds
        }
    }

    /// When a wave stops: more than `maxFailures` failed devices while fewer than `minSample`
    /// have an outcome; from `minSample` on, more than `maxFailurePercent` of those that have.
    /// The canary stops on its first failure whatever these say.
    public struct AbortCriteria: Sendable, Equatable, Codable {
        public var maxFailures: Int
        public var minSample: Int
        public var maxFailurePercent: Double

        enum CodingKeys: String, CodingKey { case maxFailures = "max_failures", minSample = "min_sample", maxFailurePercent = "max_failure_percent" }

        public init(maxFailures: Int = 1, minSample: Int = 50, maxFailurePercent: Double = 2) {
            self.maxFailures = maxFailures
            self.minSample = minSample
            self.maxFailurePercent = maxFailurePercent
        }
    }

    public enum Kind: String, Sendable, Codable {
        case release
        /// `channel` names a site; `from` and `to` are its config versions.
        case config
    }

    public enum Silence: String, Sendable, Codable {
        /// Stop and wait for a person (the default: never promote on silence).
        case pause
        /// Count the silent device as failed.
        case fail
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, channel, from, to, canary, waves, abort, silence, freshSeconds = "fresh_seconds", createdAt = "created_at"
    }

    public static let defaultCanary = Stage(size: 5, soakSeconds: 86_400, deadlineSeconds: 7_200)
    public static let defaultWaves = [
        Stage(size: 1, soakSeconds: 3_600, deadlineSeconds: 3_600),
        Stage(size: 10, soakSeconds: 3_600, deadlineSeconds: 3_600),
        Stage(size: 100, soakSeconds: 3_600, deadlineSeconds: 7_200),
    ]

    public init(id: FleetName, channel: FleetName, from: FleetVersion, to: FleetVersion, canary: Stage = defaultCanary,
                waves: [Stage] = defaultWaves, abort: AbortCriteria = AbortCriteria(), silence: Silence = .pause,
                freshSeconds: Int64 = 900, createdAt: Int64, kind: Kind = .release) {
        self.id = id
        self.kind = kind
        self.channel = channel
        self.from = from
        self.to = to
        self.canary = canary
        self.waves = waves
        self.abort = abort
        self.silence = silence
        self.freshSeconds = freshSeconds
        self.createdAt = createdAt
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try c.decode(FleetName.self, forKey: .id), channel: try c.decode(FleetName.self, forKey: .channel),
                  from: try c.decode(FleetVersion.self, forKey: .from), to: try c.decode(FleetVersion.self, forKey: .to),
                  canary: try c.decode(Stage.self, forKey: .canary), waves: try c.decode([Stage].self, forKey: .waves),
                  abort: try c.decode(AbortCriteria.self, forKey: .abort), silence: try c.decode(Silence.self, forKey: .silence),
                  freshSeconds: try c.decode(Int64.self, forKey: .freshSeconds), createdAt: try c.decode(Int64.self, forKey: .createdAt),
                  kind: try c.decodeIfPresent(Kind.self, forKey: .kind) ?? .release)
        if let problem = problem {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: problem))
        }
    }

    /// What is wrong with this plan, if anything (checked when made and when read back).
    public var problem: String? {
        if from == to { return "the rollout goes from \(from) to the same release" }
        if canary.size < 1 || canary.size > 1000 { return "canary.size is \(canary.size); expected 1-1000 devices" }
        let stages = [canary] + waves
        for stage in stages where stage.soakSeconds < 0 || stage.deadlineSeconds <= 0 || stage.soakSeconds > 30 * 86_400 || stage.deadlineSeconds > 30 * 86_400 {
            return "a stage's soak and deadline must be 0-30 days (deadline above 0)"
        }
        if waves.isEmpty || waves.count > 20 { return "expected 1-20 waves, the last at 100 percent" }
        var last = 0
        for wave in waves {
            if wave.size <= last || wave.size > 100 { return "the waves' percentages must rise, each 1-100 (got \(waves.map(\.size)))" }
            last = wave.size
        }
        if last != 100 { return "the last wave must be 100 percent (got \(last))" }
        if abort.maxFailures < 0 || abort.minSample < 1 || !(abort.maxFailurePercent >= 0 && abort.maxFailurePercent <= 100) {
            return "abort: max_failures at least 0, min_sample at least 1, max_failure_percent 0-100"
        }
        if freshSeconds < 60 || freshSeconds > 86_400 { return "fresh_seconds is \(freshSeconds); expected 60 to 86400 (a minute to a day)" }
        return nil
    }

    /// How many devices of the cohort order stage `stage` (0 = canary) has reached, for a
    /// channel of `population` devices. Every stage reaches at least as far as the one before.
    public func reach(stage: Int, population: Int) -> Int {
        let canaryReach = min(canary.size, population)
        guard stage > 0 else { return canaryReach }
        let percent = waves[min(stage, waves.count) - 1].size
        let share = (population * percent + 99) / 100
        return max(canaryReach, min(share, population))
    }

    /// The key of the channel this plan moves.
    public func channelKey(_ layout: FleetLayout) -> String {
        kind == .release ? layout.channel(channel) : layout.siteChannel(channel)
    }

    /// The key of a device's desired state this plan writes.
    public func desiredKey(_ layout: FleetLayout, _ device: FleetName) -> String {
        kind == .release ? layout.desired(device) : layout.desiredConfig(device)
    }

    /// "release" or "config", for sentences.
    public var what: String { kind == .release ? "release" : "config" }

    /// The stage's own settings (0 = canary).
    public func settings(stage: Int) -> Stage { stage == 0 ? canary : waves[stage - 1] }
    public var lastStage: Int { waves.count }
}
