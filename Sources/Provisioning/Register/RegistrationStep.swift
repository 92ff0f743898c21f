import Basics
import FoundationEssentials
import HTTPCore
import HostIO
import SiteSpec

/// Runs registration and records its outcome in the journal. Returns the exit status:
/// success (registered), temporaryFailure (still pending, retried on the next run), failure
/// (refused by the dashboard), cannotWrite (registered but not recorded).
package enum RegistrationStep {
    package static func run(spec: SiteSpec, context: ProvisionContext, deadline: Duration, journal: inout Journal,
                            transport: @escaping @Sendable (_ caFile: String?) -> any HTTPTransport) async -> ExitStatus {
        if journal.registration.state == .registered {
            context.say("provision: already registered")
            if !ProvisionMarkers.exists(ProvisionMarkers.registered, context) {
                // Registered, then killed before the marker was written.
                do { try ProvisionMarkers.write(ProvisionMarkers.registered, context, detail: "site \(spec.site.id)") }
                catch { context.warn("provision: registered, but cannot record it: \(error)"); return .cannotWrite }
            }
            return .success
        }
        let registrar = Registrar(spec: spec, context: context, deadline: deadline,
                                  retry: RetryPolicy(maxAttempts: 100, baseDelay: .milliseconds(500), maxDelay: .seconds(30)), transport: transport)
        let outcome: Registrar.Outcome
        do { outcome = try await registrar.register() }
        catch {
            journal.registration.state = .pending
            journal.registration.lastError = "\(error)"
            try? journal.save(context)
            context.warn("provision: registration not attempted: \(error)")
            return .temporaryFailure
        }
        switch outcome {
        case .registered(let status, let attempts):
            journal.registration = .init(state: .registered, attempts: journal.registration.attempts + attempts, lastError: nil, at: context.timestamp())
            do {
                try journal.save(context)
                // The claim token is single-use: the copy provisioned onto the box goes.
                if let file = spec.registration.claimTokenFile { try context.files.remove(context.path(file)) }
                // What edge-provision-register.service's condition tests: last, once all is durable.
                try ProvisionMarkers.write(ProvisionMarkers.registered, context, detail: "site \(spec.site.id) HTTP \(status)")
            } catch {
                context.warn("provision: registered, but cannot record it: \(error)")
                return .cannotWrite
            }
            context.say("provision: registered with the dashboard (HTTP \(status)\(status == 409 ? ", already registered" : ""), after \(attempts) attempt\(attempts == 1 ? "" : "s"))")
            return .success
        case .refused(let status, let detail, let attempts):
            journal.registration = .init(state: .failed, attempts: journal.registration.attempts + attempts, lastError: "HTTP \(status)\(detail)", at: context.timestamp())
            try? journal.save(context)
            context.warn("provision: the dashboard refused the registration (HTTP \(status)\(detail)); fix the site spec or the claim token and run again")
            return .failure
        case .pending(let detail, let attempts):
            journal.registration = .init(state: .pending, attempts: journal.registration.attempts + attempts, lastError: detail, at: context.timestamp())
            try? journal.save(context)
            context.warn("provision: registration is pending (\(detail)); the configuration is complete and registration is retried on the next run")
            return .temporaryFailure
        }
    }
}
