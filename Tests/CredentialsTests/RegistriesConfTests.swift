import Credentials
import Foundation
import Testing

/// registries.conf(5) as the containers tools read it, for the one thing imagesmith takes from
/// it: which registries are spoken to over plain HTTP.
@Suite struct RegistriesConfTests {
    @Test func insecureEntriesInBothFormats() throws {
        let conf = try RegistriesConf.parse("""
            # The lab's registries.
            unqualified-search-registries = ["docker.io"]

            [[registry]]
            location = "registry.lab.test:5055"   # plain HTTP
            insecure = true

            [[registry]]
            prefix = "*.cams.example"
            location = "mirror.cams.example"
            insecure = true

            [[registry]]
            location = "quay.io"
            insecure = false
              [[registry.mirror]]
              location = "mirror.local:5000"
              insecure = true

            [[registry]]
            location = "registry.example/team-a"   # a namespace: not taken (plain HTTP is per registry)
            insecure = true

            [registries.insecure]
            registries = [
              'old.lab.test:5000',  # version 1
              "other.lab.test",
            ]

            [aliases]
              "busybox" = "docker.io/library/busybox"
              "inline" = {a = "x}", b = 1}
            """, file: "registries.conf")
        #expect(conf.insecureHosts == ["registry.lab.test:5055", "old.lab.test:5000", "other.lab.test"])
        #expect(conf.insecureDomainSuffixes == [".cams.example"])
        #expect(conf.isInsecure("registry.lab.test:5055") && conf.isInsecure("nvr.cams.example:443") && conf.isInsecure("other.lab.test"))
        #expect(!conf.isInsecure("registry.lab.test") && !conf.isInsecure("quay.io") && !conf.isInsecure("mirror.local:5000") && !conf.isInsecure("registry.example"))
    }

    @Test("what the reader cannot take is refused with its line", arguments: [
        ("[[registry]\nlocation = \"x\"\n", "line 1"),
        ("[[registry]]\nlocation = \"x\ninsecure = true\n", "line 2: a string must end on its line"),
        ("[[registry]]\ninsecure = yes\n", "line 2: 'yes' is not a value"),
        ("[[registry]]\nlocation = \"a\" b\n", "line 2: unexpected text after a value"),
        ("[[registry]]\nlocation = \"\\q\"\n", "line 2: an unknown escape"),
        ("a = [1, 2\n", "line 2"),
    ])
    func malformed(_ text: String, _ mention: String) {
        do {
            _ = try RegistriesConf.parse(text, file: "bad.conf")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.exitStatus == .dataError && "\(error)".contains("bad.conf") && "\(error)".contains(mention), "\(error)")
        }
    }

    @Test func theMachinesOwnFilesAreRead() throws {
        // Debian's containers-common ships registries.conf and a drop-in of short names.
        let conf = try RegistriesConf.load(environment: ["HOME": "/nonexistent-home"])
        #expect(conf.files.isEmpty || conf.files.first?.hasPrefix("/etc/containers/") == true, "\(conf.files)")
    }

    @Test func whereTheContainersToolsLook() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("registries-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("containers"), withIntermediateDirectories: true)
        try Data("[[registry]]\nlocation = \"user.lab.test:1\"\ninsecure = true\n".utf8).write(to: directory.appendingPathComponent("containers/registries.conf"))
        defer { try? FileManager.default.removeItem(at: directory) }
        // The user's file takes the place of the system's.
        #expect(try RegistriesConf.load(environment: ["XDG_CONFIG_HOME": directory.path]).insecureHosts.contains("user.lab.test:1"))
        // CONTAINERS_REGISTRIES_CONF alone, when set; one that does not exist is an error.
        let named = directory.appendingPathComponent("named.conf")
        try Data("[registries.insecure]\nregistries = [\"named.lab.test:2\"]\n".utf8).write(to: named)
        #expect(try RegistriesConf.load(environment: ["CONTAINERS_REGISTRIES_CONF": named.path, "XDG_CONFIG_HOME": directory.path]).insecureHosts == ["named.lab.test:2"])
        #expect(throws: CredentialsError.self) { try RegistriesConf.load(environment: ["CONTAINERS_REGISTRIES_CONF": directory.appendingPathComponent("nope.conf").path]) }
    }
}
