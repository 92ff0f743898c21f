import Release

/// Runs one health check once: the real prober on a box (sockets, commands, the container
/// engine), a scripted one in the engine's tests.
package protocol HealthProbing: Sendable {
    /// nil when the check passed, else why it failed.
    func probe(_ check: HealthCheckFile.Check, project: String) -> String?
}
