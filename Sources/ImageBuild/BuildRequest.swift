import FoundationEssentials
import Release

/// What one `imagesmith build` was asked to do, with every operator input already read from
/// where it lies (arguments, `IMAGESMITH_BOX_PACKAGE`, `SOURCE_DATE_EPOCH`, the installed
/// share directory) by the command.
package struct BuildRequest: Sendable {
    package var definitionPath: String
    package var outDirectory: String
    /// Build from this lock (implies offline).
    package var lockPath: String?
    package var offline: Bool
    /// Whether the lock is read instead of resolved: `--offline`, or a lock named.
    package var isOffline: Bool { offline || lockPath != nil }
    package var imageVersion: String?
    /// Locks or bundles of releases made before (`--previous`): the version counts on from
    /// the highest of them (and of a lock already in the output directory).
    package var previousReleases: [String]
    /// With nothing released before known, count from YYYY.MM.1 (`--first-release`); without
    /// it, such a build is refused rather than risk a version a box already has.
    package var firstRelease: Bool
    package var prebuiltOnly: Bool
    package var keepUnresolvedTags: Bool
    package var templatesDirectory: String?
    /// The box package the image installs; nil: the one shipped in `installedShareDirectory/box`.
    package var boxPackagePath: String?
    /// `<prefix>/share/edge-imagesmith` of an installed imagesmith, when there is one.
    package var installedShareDirectory: String?
    /// The build's clock (`SOURCE_DATE_EPOCH` when set).
    package var now: Date
    /// Images the release's OS image is built on (`--parent`), recorded in release.json.
    package var parents: [ReleaseManifest.ParentImage] = []
    /// The root of trust the image carries (`--trust-root`; else the definition's).
    package var trustRoot: String? = nil
    /// A signed revocation list (`--revocations`; else the definition's).
    package var revocations: String? = nil

    package init(definitionPath: String, outDirectory: String, lockPath: String? = nil, offline: Bool = false, imageVersion: String? = nil,
                 previousReleases: [String] = [], firstRelease: Bool = false, prebuiltOnly: Bool = false, keepUnresolvedTags: Bool = false, templatesDirectory: String? = nil,
                 boxPackagePath: String? = nil, installedShareDirectory: String? = nil, now: Date) {
        self.definitionPath = definitionPath
        self.outDirectory = outDirectory
        self.lockPath = lockPath
        self.offline = offline
        self.imageVersion = imageVersion
        self.previousReleases = previousReleases
        self.firstRelease = firstRelease
        self.prebuiltOnly = prebuiltOnly
        self.keepUnresolvedTags = keepUnresolvedTags
        self.templatesDirectory = templatesDirectory
        self.boxPackagePath = boxPackagePath
        self.installedShareDirectory = installedShareDirectory
        self.now = now
    }
}
