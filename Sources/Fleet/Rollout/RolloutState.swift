/// Where a rollout is: moved only by compare-and-swap on its key, by the rules
/// (`RolloutRules.evaluate`) or by hand (pause, resume, abort).
public struct RolloutState: Sendable, Equatable, Codable {
    public enum Phase: String, Sendable, Codable {
        case running, paused, aborted, completed
    }

    public var phase: Phase
    /// 0 = the canary; n = wave n.
    public var stage: Int
    /// When each stage reached so far started (index = stage): its devices were targeted then,
    /// and its soak and deadline count from then.
    public var stageStartedAt: [Int64]
    public var reason: String?
    /// The transitions so far, newest last (at most `historyLimit`).
    public var history: [Transition]

    public static let historyLimit = 100

    public struct Transition: Sendable, Equatable, Codable {
        public var at: Int64
        public var from: String
        public var to: String
        public var reason: String
    }

    enum CodingKeys: String, CodingKey { case phase, stage, stageStartedAt = "stage_started_at", reason, history }

    public init(phase: Phase, stage: Int, stageStartedAt: [Int64], reason: String? = nil, history: [Transition] = []) {
        self.phase = phase
        self.stage = stage
        self.stageStartedAt = stageStartedAt
        self.reason = reason
        self.history = history
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        phase = try c.decode(Phase.self, forKey: .phase)
        stage = try c.decode(Int.self, forKey: .stage)
        stageStartedAt = try c.decode([Int64].self, forKey: .stageStartedAt)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        history = try c.decode([Transition].self, forKey: .history)
        guard stage >= 0, stageStartedAt.count == stage + 1, history.count <= Self.historyLimit else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "stage \(stage) does not match its \(stageStartedAt.count) start times"))
        }
    }

    /// A rollout just started at `now`: the canary is targeted.
    public static func started(at now: Int64) -> RolloutState {
        RolloutState(phase: .running, stage: 0, stageStartedAt: [now], history: [Transition(at: now, from: "created", to: "canary", reason: "rollout started")])
    }

    public var isActive: Bool { phase == .running || phase == .paused }

    public static func stageName(_ stage: Int) -> String { stage == 0 ? "canary" : "wave \(stage)" }

    /// The state after a transition to `phase` at `now`, the history kept to its limit.
    func moved(to phase: Phase, stage: Int? = nil, at now: Int64, reason: String, label: String? = nil) -> RolloutState {
        var next = self
        let fromLabel = self.phase == .running ? Self.stageName(self.stage) : self.phase.rawValue
        next.phase = phase
        if let stage, stage != self.stage {
            next.stage = stage
            next.stageStartedAt.append(now)
        }
        next.reason = phase == .running ? nil : reason
        next.history.append(Transition(at: now, from: fromLabel, to: label ?? (phase == .running ? Self.stageName(next.stage) : phase.rawValue), reason: reason))
        if next.history.count > Self.historyLimit { next.history.removeFirst(next.history.count - Self.historyLimit) }
        return next
    }
}
