import Foundation
import Testing
import TestSupport

/// The box package as scripts/package builds it, and the template's install step as the
/// golden image root ran it (GoldenImage).
@Suite(.enabled(if: Shell.missingPrerequisite == nil, "\(Shell.missingPrerequisite ?? "")"), .timeLimit(.minutes(30)))
struct BoxPackageTests {
    /// Ubuntu 22.04's glibc: the oldest the box package supports.
    static let glibcFloor = [2, 35]
    static let binary = "usr/libexec/edge-imagesmith/edge-box"

    func field(_ deb: String, _ name: String) async throws -> String {
        try await Shell.check("dpkg-deb", ["--field", deb, name]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func thePackageIsSmallAndCarriesEverythingTheBoxNeeds() async throws {
        let deb = try await BoxPackageBuild.shared.path()
        let size = try FileManager.default.attributesOfItem(atPath: deb)[.size] as? Int ?? 0
        let installed = try #require(Int(try await field(deb, "Installed-Size")))
        print("box package: \(size / 1024) KiB, installed \(installed) KiB")
        #expect(installed < 30 * 1024, "installed size \(installed) KiB; the aim is under 30 MB")
        #expect(size < 30 << 20)
        #expect(try await field(deb, "Package") == "edge-imagesmith-box")
        #expect(try await field(deb, "Architecture") == "amd64")
        let contents = try await Shell.check("dpkg-deb", ["--contents", deb])
        for path in ["./\(Self.binary)", "./usr/bin/provision -> ../libexec/edge-imagesmith/edge-box",
                     "./usr/bin/rollback -> ../libexec/edge-imagesmith/edge-box",
                     "./usr/lib/systemd/system/edge-provision.service", "./usr/lib/systemd/system/edge-provision-register.service",
                     "./usr/lib/systemd/system/edge-ssh-host-keys.service", "./usr/lib/systemd/system/edge-compose.service", "./usr/lib/systemd/system/edge-rollback-check.service",
                     "./usr/lib/systemd/system/edge-rollback-check.timer", "./usr/lib/systemd/system/edge-fleet-agent.service", "./usr/lib/systemd/system.conf.d/edge-watchdog.conf",
                     "./usr/share/edge-imagesmith/grub-ab.cfg", "./usr/share/man/man1/provision.1.gz", "./usr/share/man/man1/rollback.1.gz",
                     "./usr/share/bash-completion/completions/provision", "./usr/share/zsh/vendor-completions/_rollback",
                     "./usr/share/fish/vendor_completions.d/provision.fish", "./usr/share/doc/edge-imagesmith-box/copyright",
                     "./usr/share/man/man1/edge-box-agent.1.gz", "./usr/share/doc/edge-imagesmith-box/fleet.md", "./usr/lib/tmpfiles.d/edge-imagesmith-box.conf",
                     "./usr/share/doc/edge-imagesmith-box/signed-releases.md", "./usr/share/doc/edge-imagesmith-box/box-package.md"] {
            #expect(contents.contains(path), "the package lacks \(path)")
        }
        // Every document a tool's --help, a man page or a unit points to is in the package.
        let pointers = try await Shell.check("sh", ["-c", """
            dir=$(mktemp -d); dpkg-deb -x "$1" "$dir"
            { for tool in provision rollback; do "$dir/usr/libexec/edge-imagesmith/edge-box" $tool --help; done
              "$dir/usr/libexec/edge-imagesmith/edge-box" agent --help; cat "$dir"/usr/lib/systemd/system/*; gzip -dc "$dir"/usr/share/man/man1/*.gz; } |
              grep -o '/usr/share/doc/edge-imagesmith-box/[a-z-]*\\.md' | sort -u | while read -r doc; do test -f "$dir$doc" || echo "missing $doc"; done
            rm -rf "$dir"
            """, "sh", deb])
        #expect(pointers.isEmpty, "\(pointers)")
        // The man pages list each tool's exit statuses (the docs' lists), not ">0 on error".
        for (page, statuses) in [("provision", ["0", "1", "3", "64", "65", "66", "69", "73", "75"]), ("rollback", ["0", "1", "2", "3", "4", "64", "65", "66", "69", "73", "75"]),
                                 ("edge-box-agent", ["0", "64", "65", "69"])] {
            let text = try await Shell.check("sh", ["-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -xO ./usr/share/man/man1/\(page).1.gz | gzip -dc", "sh", deb])
            let section = try #require(text.components(separatedBy: ".Sh \"EXIT STATUS\"").last, "\(page) has no EXIT STATUS section")
            #expect(!section.contains(".Ex -std"), "\(page): \(section)")
            let listed = section.split(separator: "\n").filter { $0.hasPrefix(".It ") }.map { String($0.dropFirst(4)) }
            #expect(listed == statuses, "\(page): \(listed)")
        }
        // What the box tools need at run time, at the right strength.
        #expect(try await field(deb, "Depends").contains("mount"))
        let recommends = try await field(deb, "Recommends")
        for wanted in ["docker.io | docker-ce", "docker-compose-plugin | docker-compose", "chrony | systemd-timesyncd", "grub-common", "netplan.io", "systemd"] {
            #expect(recommends.contains(wanted), "Recommends lacks \(wanted): \(recommends)")
        }
        // The units run the tools from /usr/bin.
        let unit = try await Shell.check("sh", ["-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -xO ./usr/lib/systemd/system/edge-provision.service", "sh", deb])
        #expect(unit.contains("ExecStart=/usr/bin/provision first-boot"))
    }

    @Test func lintianFindsNoErrorsAndNoWarnings() async throws {
        let deb = try await BoxPackageBuild.shared.path()
        let result = try await Shell.run("lintian", ["--no-tag-display-limit", deb], timeout: 600)
        let lines = (result.stdout + result.stderr).split(separator: "\n").filter { $0.hasPrefix("E:") || $0.hasPrefix("W:") }
        #expect(lines.isEmpty, "\(lines.joined(separator: "\n"))")
        // The tool does report problems: a package without its copyright file draws an error.
        let broken = try TemporaryDirectory("lintian-broken")
        try await Shell.check("dpkg-deb", ["-R", deb, broken.file("tree")])
        try FileManager.default.removeItem(atPath: broken.file("tree/usr/share/doc/edge-imagesmith-box/copyright"))
        try await Shell.check("dpkg-deb", ["--root-owner-group", "-b", broken.file("tree"), broken.file("broken.deb")])
        let complaint = try await Shell.run("lintian", [broken.file("broken.deb")], timeout: 600)
        #expect(complaint.stdout.contains("E: edge-imagesmith-box: no-copyright-file"), "\(complaint.stdout)")
    }

    @Test func theToolsNeedNoSwiftToolchainAndGlibc235AtMost() async throws {
        let golden = try await GoldenImage.shared.prepared()
        let binary = "\(golden.root)/\(Self.binary)"
        // Resolved inside the Debian root, which has no Swift toolchain: every library is
        // found, none is Swift's or Foundation's.
        let ldd = try await Shell.check("chroot", [golden.root, "ldd", "/\(Self.binary)"])
        #expect(!ldd.contains("not found"), "\(ldd)")
        #expect(!ldd.contains("libswift") && !ldd.contains("libFoundation") && !ldd.contains("libdispatch"), "\(ldd)")
        // The highest glibc symbol version the binary needs.
        let symbols = try await Shell.check("objdump", ["-T", binary])
        let versions = Set(symbols.split(separator: "\n").compactMap { line -> [Int]? in
            guard let range = line.range(of: "GLIBC_") else { return nil }
            let digits = line[range.upperBound...].prefix { $0.isNumber || $0 == "." }
            return digits.split(separator: ".").compactMap { Int($0) }
        })
        let highest = try #require(versions.max { $0.lexicographicallyPrecedes($1) })
        print("glibc floor of the box tools: GLIBC_\(highest.map(String.init).joined(separator: "."))")
        #expect(!Self.glibcFloor.lexicographicallyPrecedes(highest), "needs GLIBC_\(highest); Ubuntu 22.04 has 2.35")
        // Every library it links belongs to a package the box package depends on.
        let depends = try await field(golden.package, "Depends")
        let dependedOn = Set(depends.split(separator: ",").compactMap { $0.split(separator: " ").first.map(String.init) })
        for library in ldd.split(separator: "\n").compactMap({ $0.split(separator: " ").first.map(String.init) })
        where library.hasPrefix("lib") && !library.hasPrefix("linux-vdso") {
            let owner = try await Shell.run("chroot", [golden.root, "dpkg", "-S", library])
            guard owner.status == 0, let package = owner.stdout.split(separator: ":").first.map(String.init) else { continue }
            // Direct dependencies only: a library pulled in by libcurl is libcurl's business.
            let direct = try await Shell.check("readelf", ["-d", binary]).contains("[\(library)]")
            if direct { #expect(dependedOn.contains(package), "\(library) is in \(package), not in Depends: \(depends)") }
        }
        // And the tools run there (in nspawn: the Swift runtime reads its arguments from /proc).
        let toolVersions = try await GoldenImage.runInImage(golden.root, staging: nil, ["/bin/sh", "-c", "provision --version; rollback --version"], environment: [:])
        let lines = toolVersions.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines == [golden.packageVersion, golden.packageVersion], "\(toolVersions)")
    }

    @Test func theBinaryCarriesNoICUData() async throws {
        // Foundation's internationalization data is 34 MB; the box tools link FoundationEssentials only.
        let scratch = "\(BoxPackageBuild.scratch)/release/edge-box"
        _ = try await BoxPackageBuild.shared.path()
        let symbols = try await Shell.check("nm", ["--defined-only", scratch], timeout: 120)
        #expect(!symbols.contains("icudt"), "the unstripped edge-box defines ICU data")
        #expect(!symbols.contains("$s10Foundation"), "the box binary links swift-corelibs-foundation")
    }

    @Test func rebuildingGivesTheSameBytes() async throws {
        let first = try await BoxPackageBuild.shared.path()
        let before = try await Shell.check("sha256sum", [first])
        let again = try TemporaryDirectory("package-again")
        let stdout = try await Shell.check(Shell.repository.appendingPathComponent("scripts/package").path,
                                           ["--box-only", "--out", again.path, "--scratch-path", BoxPackageBuild.scratch], timeout: 1800)
        let second = try #require(stdout.split(separator: "\n").last.map(String.init))
        #expect(second.hasSuffix("/edge-imagesmith-box_\(try await field(first, "Version"))_amd64.deb"))
        let after = try await Shell.check("sha256sum", [second])
        #expect(before.split(separator: " ").first == after.split(separator: " ").first, "\(before) vs \(after)")
    }

    // MARK: The template's install step, as it ran in the golden image root

    @Test func theTemplatesInstallStepInstalledTheToolsAndEnabledTheFirstBootUnits() async throws {
        let golden = try await GoldenImage.shared.prepared()
        #expect(golden.installLog.contains("edge-imagesmith-box \(golden.packageVersion) installed; first-boot units enabled"), "\(golden.installLog)")
        let root = golden.root
        func link(_ path: String) -> String? { try? FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/\(path)") }
        #expect(link("etc/systemd/system/sysinit.target.wants/edge-provision.service") == "/lib/systemd/system/edge-provision.service"
                || link("etc/systemd/system/sysinit.target.wants/edge-provision.service") == "/usr/lib/systemd/system/edge-provision.service")
        #expect(link("etc/systemd/system/multi-user.target.wants/edge-provision-register.service") != nil)
        // apt resolved the package's libraries from Debian's repositories (the root had none).
        let status = try await Shell.check("chroot", [root, "dpkg-query", "-W", "-f", "${Package} ${Status}\n", "edge-imagesmith-box", "libcurl4", "libarchive13"])
        #expect(status.split(separator: "\n").count == 3 && status.split(separator: "\n").allSatisfy { $0.hasSuffix("install ok installed") }, "\(status)")
        // cleanup.sh left an image to provision: the build's machine id recorded as golden and
        // emptied, no site spec, no provisioning state, no package lists.
        #expect(try String(contentsOfFile: "\(root)/etc/edge-imagesmith/golden-machine-id", encoding: .utf8) == golden.buildMachineID + "\n")
        #expect(try String(contentsOfFile: "\(root)/etc/machine-id", encoding: .utf8).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "\(root)/etc/edge-imagesmith/site_spec.json"))
        #expect(!FileManager.default.fileExists(atPath: "\(root)/var/lib/edge-provision"))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/var/lib/apt/lists")) ?? []).filter { $0.hasSuffix("_Packages") }.isEmpty)
        // Both first-boot units pass systemd's own check inside the image.
        let verify = try await Shell.run("chroot", [root, "systemd-analyze", "verify", "--man=no", "edge-provision.service", "edge-provision-register.service"])
        #expect(verify.status == 0 && verify.stderr.isEmpty, "\(verify.stderr)")
    }

    @Test func theInstallStepRefusesToolsThatAreNotTheVersionTheTemplateNames() async throws {
        let golden = try await GoldenImage.shared.prepared()
        let copy = try TemporaryDirectory("install-box-version")
        try FileManager.default.createDirectory(atPath: copy.file("root"), withIntermediateDirectories: true)
        try await Shell.check("tar", ["-C", copy.file("root"), "--numeric-owner", "-xpf", golden.tarball], timeout: 300)
        try FileManager.default.createDirectory(atPath: copy.file("staging/scripts"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Shell.repository.appendingPathComponent("templates/install-box.sh").path, toPath: copy.file("staging/scripts/install-box.sh"))
        try FileManager.default.copyItem(atPath: golden.package, toPath: copy.file("staging/box.deb"))
        do {
            _ = try await GoldenImage.runInImage(copy.file("root"), staging: copy.file("staging"), ["/bin/sh", "-eu", "/tmp/imagesmith/scripts/install-box.sh"],
                                                 environment: ["BOX_PACKAGE": "box.deb", "BOX_VERSION": "9.9.9", "IMAGESMITH_STAGING": "/tmp/imagesmith"])
            Issue.record("install-box.sh accepted tools of version \(golden.packageVersion) for 9.9.9")
        } catch {
            #expect("\(error)".contains("provision --version says '\(golden.packageVersion)', expected 9.9.9"), "\(error)")
        }
    }

    // MARK: The build host's package

    @Test func theBuildHostPackageBuildsTheExampleWithWhatItShips() async throws {
        let packages = try await BoxPackageBuild.shared.packages()
        let lint = try await Shell.run("lintian", ["--no-tag-display-limit", packages.host], timeout: 600)
        let findings = (lint.stdout + lint.stderr).split(separator: "\n").filter { $0.hasPrefix("E:") || $0.hasPrefix("W:") }
        #expect(findings.isEmpty, "\(findings.joined(separator: "\n"))")
        // Unpacked as dpkg would install it, under a prefix: imagesmith finds its templates and
        // the box package it ships, with no --templates or --box-package.
        let prefix = try TemporaryDirectory("host-package")
        try await Shell.check("dpkg-deb", ["-x", packages.host, prefix.path])
        let shipped = try FileManager.default.contentsOfDirectory(atPath: prefix.file("usr/share/edge-imagesmith/box"))
        #expect(shipped == [URL(fileURLWithPath: packages.box).lastPathComponent])
        let out = prefix.file("out")
        let definition = Shell.repository.appendingPathComponent("packer/edge-analytics.yaml").path
        let build = try await Shell.run(prefix.file("usr/bin/imagesmith"), ["build", definition, "--offline", "--out", out,
                                                                            "--templates", prefix.file("usr/share/edge-imagesmith/templates")])
        #expect(build.status == 0, "\(build.stderr)")
        let copied = try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(URL(fileURLWithPath: packages.box).lastPathComponent)"))
        #expect(copied == (try Data(contentsOf: URL(fileURLWithPath: packages.box))), "the image gets the box package of the same release")
        let validate = try await Shell.run("packer", ["validate", out])
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
        // The installed templates are found without --templates too (from the prefix's share directory).
        let elsewhere = try TemporaryDirectory("host-package-def")
        for name in ["edge-analytics.yaml", "edge-analytics.lock.json", "compose.yml"] {
            try FileManager.default.copyItem(atPath: Shell.repository.appendingPathComponent("packer/\(name)").path, toPath: elsewhere.file(name))
        }
        try FileManager.default.copyItem(atPath: Shell.repository.appendingPathComponent("packer/builds").path, toPath: elsewhere.file("builds"))
        let plain = try await Shell.run(prefix.file("usr/bin/imagesmith"), ["build", elsewhere.file("edge-analytics.yaml"), "--offline", "--out", elsewhere.file("out")])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(try await Shell.check(prefix.file("usr/bin/imagesmith"), ["--version"]).trimmingCharacters(in: .whitespacesAndNewlines)
                == (try await field(packages.box, "Version")))
    }
}
