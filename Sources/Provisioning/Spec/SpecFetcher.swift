import Basics
import FoundationEssentials
import HTTPCore
import HostIO
import SiteSpec

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
            guard response.body.count <= JSONReader.defaultMaximumBytes else {
                throw Failure(message: "the answer is \(response.body.count) bytes; a site spec is at most \(JSONReader.defaultMaximumBytes)")
            }
            return response.body
        case .failed(let error, let response, _, _):
            throw Failure(message: error?.detail ?? response.map { "HTTP \($0.status)" } ?? "no answer")
        }
    }

    /// Fetches the spec at `url` and validates it before anything is kept: a valid answer is
    /// saved at `saved` (0600, under the context's root; nil saves nothing, as `plan` and
    /// `validate` want) and returned; an invalid one is refused (65) and never replaces the
    /// copy saved before. When the server cannot be reached, the saved copy is used (it is
    /// validated like any other) and that is said.
    package func fetchValidated(_ url: String, saveAt saved: String?, context: ProvisionContext) async throws(ProvisionError) -> SpecLoader.Loaded {
        let shownURL = URLRedaction.redacted(url)
        let bytes: [UInt8]
        do throws(Failure) {
            bytes = try await fetch(url)
        } catch {
            if let saved, context.files.exists(saved) {
                context.warn("provision: note: cannot fetch the site spec (\(error.message.printable)); using the copy saved at \(saved)")
                return try SpecLoader.load(saved, context: context)
            }
            throw .unavailable("cannot fetch the site spec from \(shownURL): \(error.message.printable)")
        }
        let spec: SiteSpec
        do { spec = try SpecLoader.parse(bytes, name: shownURL, context: context) }
        catch {
            if let saved, context.files.exists(saved) {
                context.warn("provision: the site spec from \(shownURL) is invalid; the copy saved at \(saved) was kept and nothing was changed")
            }
            throw error
        }
        if let saved {
            do {
                try context.files.makeDirectory(Path.parent(saved), mode: 0o755)
                try context.files.write(bytes, to: saved, mode: 0o600)
            } catch { throw .cannotWrite("cannot save the site spec as \(saved): \(error)") }
        }
        return SpecLoader.Loaded(spec: spec, bytes: bytes)
    }
}
