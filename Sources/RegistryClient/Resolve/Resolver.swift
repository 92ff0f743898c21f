import Basics
import FoundationEssentials
import HTTPCore
import ImageReference
import Logging

/// One platform entry of an index.
public struct PlatformEntry: Sendable, Equatable {
    public var platform: Platform
    public var digest: Digest
    public var mediaType: String?
}

/// A reference pinned to verified content.
public struct ResolvedImage: Sendable, Equatable {
    public var reference: Reference
    /// The digest of the manifest or index the reference names (hash-verified).
    public var digest: Digest
    public var mediaType: String
    public var size: Int
    /// For an index: its platforms (attestation entries left out).
    public var platforms: [PlatformEntry]?
    /// With a requested platform: the platform found and the child manifest for it.
    public var platform: Platform?
    public var platformDigest: Digest?

    public var pinned: String { reference.pinned(to: digest) }
    public var isIndex: Bool { MediaType.isIndex(mediaType) }
}

/// Pins references to digests: HEAD by tag with the full Accept list, GET and hash what is
/// pinned, check media types, walk indexes for a platform. Every body fetched is hashed and
/// must match both the digest the registry claims and the one asked for.
public struct Resolver: Sendable {
    let session: RegistrySession
    let digester: any ContentDigester
    let store: any ManifestStore
    let verified = VerifiedContent()
    let logger: Logger
    /// Where each reference's start and end are noted, for a person watching (nil: nowhere).
    public var progress: ResolveProgress?

    public init(transport: any HTTPTransport, digester: any ContentDigester, credentials: any CredentialProvider = NoCredentials(), store: any ManifestStore = NoManifestStore(), configuration: ResolverConfiguration = ResolverConfiguration(), tokens: TokenCache = TokenCache(), logger: Logger = Logger(label: "imagesmith.resolver")) {
        self.session = RegistrySession(transport: transport, credentials: credentials, configuration: configuration, tokens: tokens, logger: logger)
        self.digester = digester
        self.store = store
        self.logger = logger
    }

    /// Resolves every distinct reference once (normalized references are deduplicated before
    /// any request), at most `jobs` at a time. The result has an entry for each input.
    public func resolve(_ references: [Reference], platform: Platform? = nil) async -> [Reference: Result<ResolvedImage, RegistryError>] {
        var unique: [Reference] = []
        var seen = Set<Reference>()
        for reference in references where seen.insert(reference).inserted { unique.append(reference) }
        let jobs = session.configuration.jobs
        let progress = self.progress
        progress?.expect(unique.count)
        return await withTaskGroup(of: (Reference, Result<ResolvedImage, RegistryError>).self) { group in
            var results: [Reference: Result<ResolvedImage, RegistryError>] = [:]
            var next = 0
            func startNext() {
                guard next < unique.count else { return }
                let reference = unique[next]
                next += 1
                group.addTask {
                    progress?.begin(reference)
                    defer { progress?.end(reference) }
                    do throws(RegistryError) { return (reference, .success(try await resolveOne(reference, platform: platform))) }
                    catch { return (reference, .failure(error)) }
                }
            }
            for _ in 0..<min(jobs, unique.count) { startNext() }
            while let (reference, result) = await group.next() {
                results[reference] = result
                startNext()
            }
            return results
        }
    }

    public func resolveOne(_ reference: Reference, platform: Platform? = nil) async throws(RegistryError) -> ResolvedImage {
        let registry = reference.registry
        let repository = reference.repository
        let fetched: FetchedManifest
        if let digest = reference.digest {
            fetched = try await fetchManifest(registry, repository, reference: digest.description, expected: digest)
        } else if !store.mayHoldManifests && registry != .dockerHub {
            // Nothing cached could answer: the verifying GET alone pins the tag (the body is
            // hashed and checked against this answer's Docker-Content-Digest). Docker Hub keeps
            // HEAD first: its pull limit counts manifest GETs, not HEADs.
            fetched = try await fetchManifest(registry, repository, reference: (reference.tag ?? .latest).value, expected: nil)
        } else {
            let tag = reference.tag ?? .latest
            let (head, url) = try await session.registryRequest(.head, registry: registry, repository: repository, path: "manifests/\(tag)", accept: MediaType.acceptHeader)
            if head.status != 200 {
                // HEAD answers carry no error body: ask once more with GET (retries are spent)
                // to show the registry's reason.
                let (get, getURL) = try await session.registryRequest(.get, registry: registry, repository: repository, path: "manifests/\(tag)", accept: MediaType.acceptHeader, maxAttempts: 1)
                throw Self.refusal(get.status == 200 ? head : get, url: get.status == 200 ? url : getURL)
            }
            var claimed: Digest?
            if let header = head.headers["Docker-Content-Digest"] {
                do { claimed = try Digest(parsing: header) }
                catch { throw RegistryError.malformedManifest(url: url, detail: "its Docker-Content-Digest header '\(header)' is not a digest") }
            }
            fetched = try await fetchManifest(registry, repository, reference: tag.value, expected: claimed)
        }

        var resolved = ResolvedImage(reference: reference, digest: fetched.digest, mediaType: fetched.mediaType, size: fetched.body.count)
        if fetched.document.isIndex {
            resolved.platforms = (fetched.document.manifests ?? []).compactMap { descriptor in
                guard let platform = descriptor.normalizedPlatform, !platform.isUnknown else { return nil }
                return PlatformEntry(platform: platform, digest: descriptor.digest, mediaType: descriptor.mediaType)
            }
        }
        if let platform {
            let budget = WalkBudget(remaining: session.configuration.maxManifestsPerReference)
            let (found, child) = try await select(platform, in: fetched, registry: registry, repository: repository, depth: 0, budget: budget)
            resolved.platform = found
            resolved.platformDigest = child
        }
        logger.debug("resolved", metadata: ["reference": "\(reference)", "digest": "\(fetched.digest)"])
        return resolved
    }

    // MARK: Fetching and verifying

    struct FetchedManifest {
        var digest: Digest
        var mediaType: String
        var body: [UInt8]
        var document: ManifestDocument
        var url: String
    }

    /// GETs a manifest, hashes it, and checks the hash against the digest asked for / claimed
    /// before (`expected`) and the `Docker-Content-Digest` of this answer; checks that the
    /// Content-Type agrees with the body. With an expected digest, a verified copy from the
    /// local store is used instead of the network.
    func fetchManifest(_ registry: Registry, _ repository: Repository, reference: String, expected: Digest?) async throws(RegistryError) -> FetchedManifest {
        let url = "\(session.baseURL(registry))/v2/\(repository.path)/manifests/\(reference)"
        // The deadline covers all the work: answers from memory or the cache included.
        try session.checkDeadline(reading: url)
        if let expected, let known = verified.manifest(expected) {
            return FetchedManifest(digest: expected, mediaType: known.mediaType, body: known.body, document: known.document, url: url)
        }
        if let expected, let cached = store.load(expected) {
            if (try? hash(cached.bytes, expected.algorithm)) == expected,
               let document = try? validateManifest(cached.bytes, contentType: cached.mediaType, url: url) {
                logger.debug("manifest from the local store", metadata: ["digest": "\(expected)"])
                verified.remember(expected, manifest: .init(mediaType: cached.mediaType, body: cached.bytes, document: document))
                return FetchedManifest(digest: expected, mediaType: cached.mediaType, body: cached.bytes, document: document, url: url)
            }
            logger.notice("dropping a damaged cache entry", metadata: ["digest": "\(expected)"])
            store.remove(expected)
        }
        let (response, _) = try await session.registryRequest(.get, registry: registry, repository: repository, path: "manifests/\(reference)", accept: MediaType.acceptHeader)
        guard response.status == 200 else { throw Self.refusal(response, url: url) }
        let algorithm = expected?.algorithm ?? .sha256
        let computed = try hash(response.body, algorithm)
        if let expected, computed != expected {
            throw RegistryError.digestMismatch(url: url, claimed: expected, computed: computed)
        }
        if let header = response.headers["Docker-Content-Digest"] {
            guard let claimed = try? Digest(parsing: header) else {
                throw RegistryError.malformedManifest(url: url, detail: "its Docker-Content-Digest header '\(header)' is not a digest")
            }
            let mine = claimed.algorithm == computed.algorithm ? computed : try hash(response.body, claimed.algorithm)
            if claimed != mine {
                throw RegistryError.digestMismatch(url: url, claimed: claimed, computed: mine)
            }
        }
        let contentType = MediaType.essence(response.headers["Content-Type"] ?? "")
        let document = try validateManifest(response.body, contentType: contentType, url: url)
        let digest = expected ?? computed
        store.store(digest, mediaType: contentType, bytes: response.body)
        verified.remember(digest, manifest: .init(mediaType: contentType, body: response.body, document: document))
        return FetchedManifest(digest: digest, mediaType: contentType, body: response.body, document: document, url: url)
    }

    /// Decodes a manifest and checks it against the media type it was served as.
    func validateManifest(_ body: [UInt8], contentType: String, url: String) throws(RegistryError) -> ManifestDocument {
        let document: ManifestDocument
        do { document = try ManifestDocument.decode(body) }
        catch {
            if contentType == MediaType.dockerSchema1Signed || contentType == MediaType.dockerSchema1 {
                throw RegistryError.unsupportedMediaType(url: url, mediaType: contentType)
            }
            throw RegistryError.malformedManifest(url: url, detail: Self.describe(error))
        }
        let bodyType = document.impliedMediaType ?? ""
        guard MediaType.acceptedManifests.contains(contentType) else {
            throw RegistryError.unsupportedMediaType(url: url, mediaType: contentType)
        }
        if document.mediaType != nil ? bodyType != contentType : MediaType.isIndex(contentType) != document.isIndex {
            throw RegistryError.contentTypeMismatch(url: url, header: contentType, body: bodyType)
        }
        if document.isIndex != MediaType.isIndex(contentType) {
            throw RegistryError.malformedManifest(url: url, detail: "a \(contentType) must \(document.isIndex ? "not " : "")have a 'manifests' list")
        }
        if !document.isIndex && document.config == nil {
            throw RegistryError.malformedManifest(url: url, detail: "an image manifest needs a 'config' descriptor")
        }
        return document
    }

    /// A blob by digest (an image config), hash-verified, from the local store when possible.
    func fetchBlob(_ registry: Registry, _ repository: Repository, descriptor: Descriptor) async throws(RegistryError) -> [UInt8] {
        let digest = descriptor.digest
        try session.checkDeadline(reading: "\(session.baseURL(registry))/v2/\(repository.path)/blobs/\(digest)")
        if let known = verified.blob(digest) { return known }
        if let cached = store.load(digest) {
            if (try? hash(cached.bytes, digest.algorithm)) == digest {
                verified.remember(digest, blob: cached.bytes)
                return cached.bytes
            }
            store.remove(digest)
        }
        let (response, url) = try await session.registryRequest(.get, registry: registry, repository: repository, path: "blobs/\(digest)", accept: nil)
        guard response.status == 200 else { throw Self.refusal(response, url: url) }
        let computed = try hash(response.body, digest.algorithm)
        guard computed == digest else {
            throw RegistryError.digestMismatch(url: url, claimed: digest, computed: computed)
        }
        store.store(digest, mediaType: descriptor.mediaType ?? "application/octet-stream", bytes: response.body)
        verified.remember(digest, blob: response.body)
        return response.body
    }

    func hash(_ bytes: [UInt8], _ algorithm: Digest.Algorithm) throws(RegistryError) -> Digest {
        do { return try digester.digest(of: bytes, algorithm: algorithm) }
        catch { throw RegistryError.hashing(detail: "\(error)") }
    }

    /// Walks an index for the first entry matching `platform` (nested indexes included,
    /// `unknown/unknown` attestations skipped). For a single image manifest, reads its config
    /// blob (hash-verified) to learn its platform.
    func select(_ platform: Platform, in manifest: FetchedManifest, registry: Registry, repository: Repository, depth: Int, budget: WalkBudget) async throws(RegistryError) -> (Platform, Digest) {
        guard manifest.document.isIndex else {
            guard let config = manifest.document.config else {
                throw RegistryError.malformedManifest(url: manifest.url, detail: "an image manifest needs a 'config' descriptor")
            }
            let body = try await fetchBlob(registry, repository, descriptor: config)
            let configPlatform: Platform
            do { configPlatform = try JSONDecoder().decode(ImageConfigPlatform.self, from: Data(body)).platform }
            catch {
                throw RegistryError.malformedManifest(url: "\(session.baseURL(registry))/v2/\(repository.path)/blobs/\(config.digest)", detail: "the image config does not name its os and architecture")
            }
            guard platform.matches(configPlatform) else {
                throw RegistryError.platformNotFound(requested: platform, available: [configPlatform])
            }
            return (configPlatform, manifest.digest)
        }
        let configuration = session.configuration
        let entries = manifest.document.manifests ?? []
        guard entries.count <= configuration.maxIndexEntries else {
            throw RegistryError.indexTooLarge(url: manifest.url, detail: "it lists \(entries.count) manifests; at most \(configuration.maxIndexEntries) are read")
        }
        var available: [Platform] = []
        for descriptor in entries {
            let entryPlatform = descriptor.normalizedPlatform
            if let entryPlatform, entryPlatform.isUnknown { continue }
            if let type = descriptor.mediaType, MediaType.isIndex(type) {
                if let entryPlatform, !platform.matches(entryPlatform) { available.append(entryPlatform); continue }
                guard depth + 1 < configuration.maxIndexDepth else {
                    throw RegistryError.indexTooLarge(url: manifest.url, detail: "its indexes nest deeper than \(configuration.maxIndexDepth) levels")
                }
                guard budget.take() else {
                    throw RegistryError.indexTooLarge(url: manifest.url, detail: "finding platform \(platform) would read more than \(configuration.maxManifestsPerReference) nested indexes")
                }
                let child = try await fetchManifest(registry, repository, reference: descriptor.digest.description, expected: descriptor.digest)
                do throws(RegistryError) {
                    return try await select(platform, in: child, registry: registry, repository: repository, depth: depth + 1, budget: budget)
                } catch {
                    if case .platformNotFound(_, let nested) = error { available += nested; continue }
                    throw error
                }
            }
            guard let entryPlatform else { continue }
            if platform.matches(entryPlatform) { return (entryPlatform, descriptor.digest) }
            available.append(entryPlatform)
        }
        throw RegistryError.platformNotFound(requested: platform, available: available)
    }

    static func refusal(_ response: HTTPResponse, url: String) -> RegistryError {
        let errors = (try? JSONDecoder().decode(RegistryAPIError.Envelope.self, from: Data(response.body)))?.errors ?? []
        return .refused(status: response.status, url: url, errors: errors)
    }

    static func describe(_ error: any Error) -> String { DecodingFailure.describe(error) }
}

/// How many more nested indexes one reference's platform search may read.
final class WalkBudget: @unchecked Sendable {
    private var remaining: Int
    init(remaining: Int) { self.remaining = remaining }
    func take() -> Bool {
        guard remaining > 0 else { return false }
        remaining -= 1
        return true
    }
}
