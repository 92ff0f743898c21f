import Basics
import FoundationEssentials
import HTTPCore
import HostIO

/// Fetches a site spec over HTTPS (retried with backoff), and keeps the copy a box works
/// from: saved durably (0600: it carries the claim token), so later runs work without the
/// server; when a later fetch fails, the saved copy is used and that is said.
package struct SpecFetcher: Sendable {
    package let transport: any HTTPTransport
    package var policy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(500), maxDelay: .seconds(5))

    package init(transport: any HTTPTransport) { self.transport = transport }

    package struct Failure: Error, Sendable { package var message: String }

    package func fetch(_ url: String) async throws(Failure) -> [UInt8] {
        guard let parsed = URL(string: url) else { throw Failure(message: "not a URL") }
        let outcome = await RetryingSender(policy: policy).send(over: transport, { _ in
            HTTPRequest(method: .get, url: parsed, headers: HTTPHeaders([("Accept", "application/json")]), timeout: .seconds(30))
        }, shouldRetry: { RetryPolicy.isRetryable(status: $0.status) })
        switch outcome {
        case .answered(let response, _):
            guard response.status == 200 else { throw Failure(message: "HTTP \(response.status)") }
            return response.body
        case .failed(let error, let response, _, _):
            throw Failure(message: error?.detail ?? response.map { "HTTP \($0.status)" } ?? "no answer")
        }
    }

    /// Fetches `url` and saves it at `saved` (under the context's root); falls back to the
    /// saved copy when the fetch fails. Returns the path to read.
    package func fetchAndSave(_ url: String, to saved: String, context: ProvisionContext) async throws(ProvisionError) -> String {
        do throws(Failure) {
            let bytes = try await fetch(url)
            do {
                try context.files.makeDirectory(Path.parent(saved), mode: 0o755)
                try context.files.write(bytes, to: saved, mode: 0o600)
            } catch { throw Failure(message: error.description) }
            return saved
        } catch {
            if context.files.exists(saved) {
                context.warn("provision: note: cannot fetch the site spec (\(error.message)); using the copy saved at \(saved)")
                return saved
            }
            throw .unavailable("cannot fetch the site spec from \(URLRedaction.redacted(url)): \(error.message)")
        }
    }
}
