import Basics
import FoundationEssentials
import HTTPCore
import HostIO
import SiteSpec

/// Runs registration and records its outcome in the journal. Returns the exit status:
/// success (registered), temporaryFailure (still pending, retried on the next run), failure
/// (refused by the dashboard), cannotWrite (registered but not recorded).
enum RegistrationStep {
    static func run(spec: SiteSpec, root: String, deadline: Duration, journal: inout Journal) async -> ExitStatus {
        if journal.registration.state == .registered {
            print("provision: already registered")
            if !ProvisionMarkers.exists(ProvisionMarkers.registered, root: root) {
                // Registered, then killed before the marker was written.
                do { try ProvisionMarkers.write(ProvisionMarkers.registered, root: root, detail: "site \(spec.site.id)") }
                catch { StandardStreams.error("provision: registered, but cannot record it: \(error)\n"); return .cannotWrite }
            }
            return .success
        }
        let registrar = Registrar(spec: spec, root: root, deadline: deadline, retry: RetryPolicy(maxAttempts: 100, baseDelay: .milliseconds(500), maxDelay: .seconds(30)))
        let outcome: Registrar.Outcome
        do { outcome = try await registrar.register() }
        catch {
            journal.registration.state = .pending
            journal.registration.lastError = "\(error)"
            try? journal.save(root: root)
            StandardStreams.error("provision: registration not attempted: \(error)\n")
            return .temporaryFailure
        }
        switch outcome {
        case .registered(let status, let attempts):
            journal.registration = .init(state: .registered, attempts: journal.registration.attempts + attempts, lastError: nil, at: Applier.now())
            do {
                try journal.save(root: root)
                // The claim token is single-use: the copy provisioned onto the box goes.
                if let file = spec.registration.claimTokenFile { try AtomicFile.remove(root + file) }
                // What edge-provision-register.service's condition tests: last, once all is durable.
                try ProvisionMarkers.write(ProvisionMarkers.registered, root: root, detail: "site \(spec.site.id) HTTP \(status)")
            } catch {
                StandardStreams.error("provision: registered, but cannot record it: \(error)\n")
                return .cannotWrite
            }
            print("provision: registered with the dashboard (HTTP \(status)\(status == 409 ? ", already registered" : ""), after \(attempts) attempt\(attempts == 1 ? "" : "s"))")
            return .success
        case .refused(let status, let detail, let attempts):
            journal.registration = .init(state: .failed, attempts: journal.registration.attempts + attempts, lastError: "HTTP \(status)\(detail)", at: Applier.now())
            try? journal.save(root: root)
            StandardStreams.error("provision: the dashboard refused the registration (HTTP \(status)\(detail)); fix the site spec or the claim token and run again\n")
            return .failure
        case .pending(let detail, let attempts):
            journal.registration = .init(state: .pending, attempts: journal.registration.attempts + attempts, lastError: detail, at: Applier.now())
            try? journal.save(root: root)
            StandardStreams.error("provision: registration is pending (\(detail)); the configuration is complete and registration is retried on the next run\n")
            return .temporaryFailure
        }
    }
}
