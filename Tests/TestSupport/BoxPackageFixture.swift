import Foundation

/// A small but real Debian package named `edge-imagesmith-box` for amd64, made with dpkg-deb,
/// for the tests of `imagesmith build`: the build only reads the package's control fields,
/// hashes it and copies it beside the template. The real box package (scripts/package) is
/// built, linted, installed and booted in BoxPackageTests and FirstBootTests.
public enum BoxPackageFixture {
    public static let version = "0.3.0"

    /// One per test process.
    public static let path: String = {
        do {
            return try make(name: "edge-imagesmith-box", version: version, architecture: "amd64",
                            in: FileManager.default.temporaryDirectory.appendingPathComponent("edge-box-fixture-\(getpid())").path)
        } catch {
            fatalError("cannot make the box package fixture: \(error)")
        }
    }()

    /// A package with the given control fields (for the refusal tests too), in `directory`.
    /// `handmade` assembles it with ar and tar instead of dpkg-deb, which refuses fields a
    /// hostile package could still carry.
    public static func make(name: String, version: String, architecture: String, in directory: String, handmade: Bool = false) throws -> String {
        let stage = "\(directory)/stage-\(name)-\(architecture)"
        try FileManager.default.createDirectory(atPath: "\(stage)/DEBIAN", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(stage)/usr/share/doc/\(name)", withIntermediateDirectories: true)
        try Data("""
            Package: \(name)
            Version: \(version)
            Architecture: \(architecture)
            Maintainer: Tests <tests@edge.example.net>
            Description: box package stand-in for imagesmith build tests
             Not the real tools: scripts/package builds those.

            """.utf8).write(to: URL(fileURLWithPath: "\(stage)/DEBIAN/control"))
        try Data("stand-in\n".utf8).write(to: URL(fileURLWithPath: "\(stage)/usr/share/doc/\(name)/README"))
        let deb = "\(directory)/\(name)_\(architecture).deb"
        if handmade {
            let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            try Data("2.0\n".utf8).write(to: URL(fileURLWithPath: "\(directory)/debian-binary"))
            _ = try ProcessSupport.check("tar", ["-C", "\(stage)/DEBIAN", "-czf", "\(directory)/control.tar.gz", "./control"], environment: environment)
            _ = try ProcessSupport.check("tar", ["-C", stage, "-czf", "\(directory)/data.tar.gz", "./usr"], environment: environment)
            _ = try ProcessSupport.check("ar", ["rc", deb, "\(directory)/debian-binary", "\(directory)/control.tar.gz", "\(directory)/data.tar.gz"], environment: environment)
            return deb
        }
        _ = try ProcessSupport.check("dpkg-deb", ["--root-owner-group", "--build", stage, deb], environment: [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "SOURCE_DATE_EPOCH": "1795219200",
        ])
        return deb
    }
}
