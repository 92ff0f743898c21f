/// Manifest media types this resolver asks for and understands.
public enum MediaType {
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json"
    public static let dockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"

    /// Sent on every manifest HEAD and GET: without the full list, registries answer with a
    /// down-converted manifest (registry 2.8: the amd64 child, or schema1) with another digest.
    public static let acceptedManifests = [ociIndex, ociManifest, dockerManifestList, dockerManifest]
    public static let acceptHeader = acceptedManifests.joined(separator: ", ")

    public static func isIndex(_ type: String) -> Bool { type == ociIndex || type == dockerManifestList }
    public static func isImageManifest(_ type: String) -> Bool { type == ociManifest || type == dockerManifest }

    /// `application/json; charset=utf-8` -> `application/json`
    public static func essence(_ contentType: String) -> String {
        let base = contentType.split(separator: ";", maxSplits: 1).first ?? Substring(contentType)
        return String(base.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()).lowercased()
    }
}
