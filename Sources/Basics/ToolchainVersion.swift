/// The one version of the toolchain: `--version` of all three tools, their User-Agent, and
/// the version of the Debian packages `scripts/package` builds.
public enum ToolchainVersion {
    public static let current = "0.3.0"
}
