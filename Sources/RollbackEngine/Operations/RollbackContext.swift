import Basics
import FoundationEssentials
import HostIO
import Release
import Signing
import Trust
#if canImport(Glibc)
import Glibc
#endif

/// Everything an operation needs, received rather than reached for: the state (over a
/// `FileSystem`), the container engine, the health prober, the booted system, the clock and
/// the sleeper, and crash points for the kill-at-every-step tests. The command line wires the
/// real ones; the engine's tests wire memory and scripts.
package struct RollbackContext {
    package let store: RollbackStore
    package let engine: any ContainerEngine
    package let prober: any HealthProbing
    package let system: any BootedSystem
    package let clock: any WallClock
    package let sleeper: any Sleeper
    package let crashPoints: CrashPoints
    /// Progress for people (stderr on a box).
    package let say: (String) -> Void
    /// Time spent in the engine (when it is a `TimedEngine` sharing this).
    package var engineTimings: EngineTimings
    /// The signatures' cryptography (OpenSSL).
    package let crypto: any TrustCrypto
    /// What this box is, as signed releases name hardware (`linux/amd64`).
    package let platform: String

    package init(store: RollbackStore, engine: any ContainerEngine, prober: any HealthProbing, system: any BootedSystem,
                 clock: any WallClock = SystemClock(), sleeper: any Sleeper = ThreadSleeper(), crashPoints: CrashPoints = .inert,
                 say: @escaping (String) -> Void = { _ in }, engineTimings: EngineTimings = EngineTimings(),
                 crypto: any TrustCrypto = OpenSSLTrustCrypto(), platform: String = RollbackContext.machinePlatform()) {
        self.crypto = crypto
        self.platform = platform
        self.store = store
        self.engine = engine
        self.prober = prober
        self.system = system
        self.clock = clock
        self.sleeper = sleeper
        self.crashPoints = crashPoints
        self.say = say
        self.engineTimings = engineTimings
    }

    /// `linux/<arch>` of the running kernel, in OCI's architecture names.
    package static func machinePlatform() -> String {
        var name = utsname()
        uname(&name)
        let machine = withUnsafeBytes(of: &name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let arch = ["x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"][machine] ?? machine
        return "linux/\(arch)"
    }

    package var paths: RollbackPaths { store.paths }
    package var files: any FileSystem { store.files }

    package func now() -> Date { clock.now() }

    package func timestamp(_ date: Date? = nil) -> String {
        Timestamp.iso8601(date ?? now())
    }

    /// Holds the one-rollback-at-a-time lock for `body`.
    package func exclusively<T>(_ body: () throws(RollbackError) -> T) throws(RollbackError) -> T {
        try store.prepare()
        let outcome: FileSystemLock
        do { outcome = try files.lock(paths.lock) } catch { throw .io(error) }
        switch outcome {
        case .busy(let holder):
            throw .busy("another rollback is running\(holder.map { " (pid \($0))" } ?? ""); try again when it has finished")
        case .acquired(let lock):
            defer { withExtendedLifetime(lock) {} }
            return try body()
        }
    }
}
