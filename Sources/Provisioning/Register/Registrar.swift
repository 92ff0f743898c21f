import Basics
import FoundationEssentials
import HTTPCore
import HostIO
import SiteSpec

/// Registers the box with the central dashboard: HTTPS POST (TLS verification always on;
/// `ca_pem` pins the CA), retried with backoff and jitter up to a deadline. 2xx and 409
/// ("already registered") are success; 4xx other than 408/429 is a refusal; the rest is
/// retried. The claim token never appears in output, logs or errors.
package struct Registrar {
    package enum Outcome: Equatable {
        case registered(status: Int, attempts: Int)
        case refused(status: Int, detail: String, attempts: Int)
        case pending(detail: String, attempts: Int)
    }

    let spec: SiteSpec
    let context: ProvisionContext
    let deadline: Duration
    let retry: RetryPolicy
    /// The HTTPS transport, given the CA file to trust (nil: the system's store).
    let transport: @Sendable (_ caFile: String?) -> any HTTPTransport

    package init(spec: SiteSpec, context: ProvisionContext, deadline: Duration, retry: RetryPolicy,
                 transport: @escaping @Sendable (_ caFile: String?) -> any HTTPTransport) {
        self.spec = spec
        self.context = context
        self.deadline = deadline
        self.retry = retry
        self.transport = transport
    }

    var stateDirectory: String { context.path(Journal.directory) }

    /// The device identity: generated once and made durable before the first request, so
    /// every later attempt (and run) presents the same one.
    func deviceID() throws -> String {
        let path = stateDirectory + "/device-id"
        if let text = context.files.text(path)?.trimmed, UUID(uuidString: text) != nil { return text.lowercased() }
        let fresh = UUID().uuidString.lowercased()
        try context.files.makeDirectory(stateDirectory, mode: 0o700)
        try context.files.write(Array((fresh + "\n").utf8), to: path, mode: 0o644)
        return fresh
    }

    func claimToken() throws -> String {
        if let token = spec.registration.claimToken { return token }
        guard let file = spec.registration.claimTokenFile,
              let data = context.files.contents(context.path(file)) else {
            throw RegistrationError("the claim token file \(spec.registration.claimTokenFile ?? "") cannot be read (was the box already registered?)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmed
        guard !token.isEmpty else { throw RegistrationError("the claim token file \(file) is empty") }
        return token
    }

    /// The image version installed on this box (the release `rollback` made current: `/var/lib/edge-rollback/current`).
    func imageVersion() -> String {
        guard let target = context.files.linkTarget(context.path("/var/lib/edge-rollback/current")) else { return "unknown" }
        return Path.name(target)
    }

    struct Body: Encodable {
        var site_id: String
        var site_name: String
        var hostname: String
        var fqdn: String?
        var device_id: String
        var image_version: String
        var claim_token: String
        var labels: [String: String]
    }

    package func register() async throws -> Outcome {
        let identity = try deviceID()
        let token = try claimToken()
        var caFile: String?
        if let pem = spec.registration.caPEM {
            let path = stateDirectory + "/dashboard-ca.pem"
            try context.files.write(Array(pem.utf8), to: path, mode: 0o644)
            caFile = path
        }
        let body = CanonicalJSON.compact(Body(site_id: spec.site.id, site_name: spec.site.name, hostname: spec.device.hostname,
                                                  fqdn: spec.device.fqdn, device_id: identity, image_version: imageVersion(),
                                                  claim_token: token, labels: spec.labels))
        guard let url = URL(string: spec.registration.url) else { throw RegistrationError("the registration URL cannot be used") }
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        headers.add("Accept", "application/json")
        let sender = RetryingSender(policy: retry)
        // 2xx and 409 (already registered) are success, other 4xx (but 408 and 429) refusals;
        // everything else is worth another try.
        let outcome = await sender.send(over: transport(caFile), deadline: deadline, { remaining in
            HTTPRequest(method: .post, url: url, headers: headers, body: body, timeout: min(remaining ?? .seconds(30), .seconds(30)))
        }, shouldRetry: { response in
            !((200...299).contains(response.status) || response.status == 409)
                && !((400...499).contains(response.status) && response.status != 408 && response.status != 429)
        })
        switch outcome {
        case .answered(let response, let attempts):
            switch response.status {
            case 200...299, 409: return .registered(status: response.status, attempts: attempts)
            case 400...499 where response.status != 408 && response.status != 429:
                return .refused(status: response.status, detail: ResponseSummary.text(response, secret: token), attempts: attempts)
            default: return .pending(detail: "HTTP \(response.status)" + ResponseSummary.text(response, secret: token), attempts: attempts)
            }
        case .failed(let error, let response, let attempts, let deadlinePassed):
            let problem = error.map { ResponseSummary.mayCarry($0.detail, secret: token) ? "\($0.kind)" : $0.detail.printable }
                ?? response.map { "HTTP \($0.status)" + ResponseSummary.text($0, secret: token) } ?? "no attempt was made"
            if deadlinePassed { return .pending(detail: "gave up at the deadline; last problem: \(problem)", attempts: attempts) }
            // A certificate problem will not heal by waiting (or the clock is wrong).
            if error?.kind == .tls { return .pending(detail: "TLS: \(problem)", attempts: attempts) }
            return .pending(detail: problem, attempts: attempts)
        }
    }
}

struct RegistrationError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
