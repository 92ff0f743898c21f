import FoundationEssentials
import ImageReference

/// One layer of a cosign signature manifest (`sha256-<hex>.sig`): the simple-signing payload
/// (hash-verified against its descriptor) and the signature its annotation carries.
public struct CosignLayer: Sendable, Equatable {
    public var payload: [UInt8]
    /// `dev.cosignproject.cosign/signature`: base64 of an ASN.1 DER ECDSA signature.
    public var signature: String

    public init(payload: [UInt8], signature: String) {
        self.payload = payload
        self.signature = signature
    }
}

extension Resolver {
    static let cosignSignatureAnnotation = "dev.cosignproject.cosign/signature"
    static let maximumSignatureLayers = 16
    static let maximumSignaturePayload: Int64 = 64 << 10

    /// The cosign key-based signatures stored for `digest` in `reference`'s repository, as
    /// cosign and containers/image (sigstore attachments) store them: an image manifest
    /// tagged `sha256-<hex>.sig` whose layers are the signed payloads. nil when there is no
    /// such tag. Only fetched and hash-verified here; the signatures are checked by the caller.
    public func cosignSignatures(_ reference: Reference, digest: Digest) async throws(RegistryError) -> [CosignLayer]? {
        let registry = reference.registry, repository = reference.repository
        let tag = "\(digest.algorithm.rawValue)-\(digest.encoded).sig"
        let (response, url) = try await session.registryRequest(.get, registry: registry, repository: repository, path: "manifests/\(tag)", accept: MediaType.acceptHeader)
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw Self.refusal(response, url: url) }
        struct Layer: Decodable {
            var mediaType: String?
            var digest: Digest
            var size: Int64
            var annotations: [String: String]?
        }
        struct SignatureManifest: Decodable { var layers: [Layer]? }
        let manifest: SignatureManifest
        do { manifest = try JSONDecoder().decode(SignatureManifest.self, from: Data(response.body)) }
        catch { throw RegistryError.malformedManifest(url: url, detail: "the signature manifest: \(Self.describe(error))") }
        let layers = manifest.layers ?? []
        guard layers.count <= Self.maximumSignatureLayers else {
            throw RegistryError.malformedManifest(url: url, detail: "the signature manifest has \(layers.count) layers; at most \(Self.maximumSignatureLayers) are read")
        }
        var result: [CosignLayer] = []
        for layer in layers {
            guard let signature = layer.annotations?[Self.cosignSignatureAnnotation] else { continue }
            guard layer.size >= 0, layer.size <= Self.maximumSignaturePayload else {
                throw RegistryError.malformedManifest(url: url, detail: "a signature payload of \(layer.size) bytes; at most \(Self.maximumSignaturePayload) are read")
            }
            let payload = try await fetchBlob(registry, repository, descriptor: Descriptor(mediaType: layer.mediaType, digest: layer.digest, size: layer.size, platform: nil))
            result.append(CosignLayer(payload: payload, signature: signature))
        }
        return result
    }
}
