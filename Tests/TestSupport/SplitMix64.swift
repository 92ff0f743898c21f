import Foundation

/// A small deterministic generator for property tests and random fault timing: seeded, so a
/// failure replays. `SplitMix64.seeded(for:)` takes its seed from TEST_SEED when set, or
/// makes one, and prints it either way; put the seed in every failure message.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A generator for `test`, seeded from TEST_SEED (decimal) or from the clock, with the seed
    /// printed so that `TEST_SEED=<seed> swift test --filter <test>` replays the run.
    public static func seeded(for test: String) -> SplitMix64 {
        let seed = ProcessInfo.processInfo.environment["TEST_SEED"].flatMap { UInt64($0) }
            ?? UInt64(truncatingIfNeeded: DispatchTime.now().uptimeNanoseconds) ^ UInt64(getpid())
        print("\(test): seed \(seed) (TEST_SEED=\(seed) replays it)")
        return SplitMix64(seed: seed)
    }
}
