import Basics
import Foundation

/// Tests take their randomness from `SplitMix64` (Basics): seeded, so a failure replays.
/// `SplitMix64.seeded(for:)` takes its seed from TEST_SEED when set, or makes one, and prints
/// it either way; put the seed in every failure message.
extension SplitMix64 {
    /// A generator for `test`, seeded from TEST_SEED (decimal) or from the clock, with the seed
    /// printed so that `TEST_SEED=<seed> swift test --filter <test>` replays the run.
    public static func seeded(for test: String) -> SplitMix64 {
        let seed = ProcessInfo.processInfo.environment["TEST_SEED"].flatMap { UInt64($0) }
            ?? UInt64(truncatingIfNeeded: DispatchTime.now().uptimeNanoseconds) ^ UInt64(getpid())
        print("\(test): seed \(seed) (TEST_SEED=\(seed) replays it)")
        return SplitMix64(seed: seed)
    }
}
