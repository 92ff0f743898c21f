/// How engines wait between attempts (health-check retries, polling a device): the calling
/// thread really sleeps on a box; a test's sleeper advances its manual clock instead.
public protocol Sleeper: Sendable {
    func sleep(seconds: Double)
}

/// Sleeps the calling thread (engines run on their own threads, never on Swift's cooperative
/// pool).
public struct ThreadSleeper: Sleeper {
    public init() {}
    public func sleep(seconds: Double) { sleepThread(seconds: seconds) }
}
