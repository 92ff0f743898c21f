import Foundation
import Testing
import TestSupport

/// templates/docker-nvidia.sh (the image build's Docker and NVIDIA step) run for real with sh,
/// under IMAGESMITH_ROOT, against fakes of the parts that cannot run in a test: `apt-get`,
/// `apt-cache`, `apt-mark`, `dpkg-query`, `systemctl`, `docker`, `nvidia-ctk` and `gpg` log
/// their arguments to one file, and `curl` reaches only the URLs a case lists. The real thing,
/// Debian's docker.io installed by this script in a Packer build and starting containers, is
/// the image lab's (scripts/lab); these cases cover the preflight's every branch, including
/// the ones the lab cannot reach (Docker CE's repository, a GPU).
@Suite struct DockerNvidiaScriptTests {
    static let script = BuildFixture.repository.appendingPathComponent("templates/docker-nvidia.sh").path
    static let dockerCE = "https://download.docker.com/linux/debian"
    static let nvidia = "https://nvidia.github.io/libnvidia-container"

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var dockerSource = "docker-ce"
        var nvidiaPolicy = "required"
        var reachable: [String] = []
        var gpu = false
        var insecure: String? = nil
        var status: Int32
        /// Lines the command log must hold, and substrings it must not.
        var calls: [String] = []
        var notCalled: [String] = []
        var stderr: [String] = []
        var dockerSourceRecorded: String? = nil
        var nvidiaInstalled: Bool? = nil
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "Docker CE required and unreachable: the build fails closed, nothing installed",
             status: 1, notCalled: ["docker", "nvidia"], stderr: ["the definition requires Docker CE (docker.source: docker-ce); failing the build"]),
        Case(name: "Docker CE unreachable, the distribution allowed: docker.io, loudly, and recorded",
             dockerSource: "docker-ce-or-distribution", nvidiaPolicy: "if-available", status: 0,
             calls: ["apt-get -y -q install --no-install-recommends docker.io docker-compose apparmor", "apt-mark hold docker.io", "systemctl restart docker"],
             notCalled: ["docker-ce"],
             stderr: ["WARNING: Docker CE's repository (\(dockerCE)) cannot be reached; installing debian's docker.io instead",
                      "WARNING: the NVIDIA runtime is NOT installed: this machine has no NVIDIA GPU"],
             dockerSourceRecorded: "distribution", nvidiaInstalled: false),
        Case(name: "Docker CE reachable: the pinned version, held, with apparmor",
             nvidiaPolicy: "if-available", reachable: [dockerCE], status: 0,
             calls: ["apt-get -y -q install --no-install-recommends docker-ce=5:27.3.1-1~debian.12~bookworm docker-ce-cli=5:27.3.1-1~debian.12~bookworm containerd.io docker-compose-plugin apparmor",
                     "apt-mark hold docker-ce docker-ce-cli"],
             notCalled: ["docker.io"], dockerSourceRecorded: "docker-ce", nvidiaInstalled: false),
        Case(name: "NVIDIA required without a GPU: the build fails",
             reachable: [dockerCE, nvidia], status: 1, notCalled: ["nvidia-container-toolkit"],
             stderr: ["this machine has no NVIDIA GPU and the definition requires the NVIDIA runtime (docker.nvidia: required); failing the build"]),
        Case(name: "a GPU and NVIDIA's repository: the toolkit, pinned and configured",
             reachable: [dockerCE, nvidia], gpu: true, status: 0,
             calls: ["apt-get -y -q install --no-install-recommends nvidia-container-toolkit=1.16.2-1 nvidia-container-toolkit-base=1.16.2-1",
                     "nvidia-ctk runtime configure --runtime=docker"],
             dockerSourceRecorded: "docker-ce", nvidiaInstalled: true),
        Case(name: "a GPU but no NVIDIA repository, if available: skipped with the reason",
             nvidiaPolicy: "if-available", reachable: [dockerCE], gpu: true, status: 0, notCalled: ["nvidia-ctk"],
             stderr: ["the NVIDIA runtime is NOT installed: NVIDIA's repository (\(nvidia)) cannot be reached"],
             dockerSourceRecorded: "docker-ce", nvidiaInstalled: false),
        Case(name: "a GPU but no NVIDIA repository, required: the build fails",
             reachable: [dockerCE], gpu: true, status: 1,
             stderr: ["NVIDIA's repository (\(nvidia)) cannot be reached and the definition requires the NVIDIA runtime"]),
    ]

    static let fakeLogger = """
        #!/bin/sh
        echo "$(basename "$0") $*" >> "$FAKE_LOG"
        case "$(basename "$0")" in
          dpkg-query) printf '1.0-fake' ;;
          apt-cache) exit 100 ;;
          docker) echo "Docker version 0.0-fake" ;;
          gpg) cat > /dev/null; while [ $# -gt 0 ]; do [ "$1" = -o ] && echo key > "$2"; shift; done ;;
        esac
        exit 0
        """

    static let fakeCurl = """
        #!/bin/sh
        for url; do :; done
        for ok in $FAKE_REACHABLE; do
          case "$url" in "$ok"/*) echo "KEY"; exit 0 ;; esac
        done
        echo "curl: (6) Could not resolve host" >&2
        exit 6
        """

    struct Run {
        var status: Int32
        var stderr: String
        var log: String
        var runtime: [String: Any]?
        var root: String
    }

    static func run(_ test: Case, in directory: TemporaryDirectory) async throws -> Run {
        let bin = directory.file("bin"), root = directory.file("root")
        for name in ["apt-get", "apt-cache", "apt-mark", "dpkg-query", "systemctl", "docker", "nvidia-ctk", "gpg"] {
            try directory.write("bin/\(name)", fakeLogger, mode: 0o755)
        }
        try directory.write("bin/curl", fakeCurl, mode: 0o755)
        try directory.write("root/etc/os-release", "ID=debian\nVERSION_CODENAME=bookworm\n")
        if test.gpu {
            try directory.write("root/sys/bus/pci/devices/0000:01:00.0/vendor", "0x10de\n")
        }
        try directory.write("root/sys/bus/pci/devices/0000:00:01.0/vendor", "0x8086\n")
        var environment = [
            "PATH": "\(bin):/usr/bin:/bin",
            "FAKE_LOG": directory.file("calls.log"),
            "FAKE_REACHABLE": test.reachable.joined(separator: " "),
            "IMAGESMITH_ROOT": root,
            "IMAGESMITH_STAGING": directory.file("staging"),
            "DOCKER_CE_VERSION": "5:27.3.1-1~debian.12~bookworm",
            "NVIDIA_CONTAINER_TOOLKIT_VERSION": "1.16.2-1",
            "DOCKER_SOURCE": test.dockerSource,
            "NVIDIA_POLICY": test.nvidiaPolicy,
        ]
        if let insecure = test.insecure { environment["INSECURE_REGISTRIES"] = insecure }
        let result = try await ProcessSupport.runDetached("/bin/sh", ["-eu", script], environment: environment)
        let log = (try? String(contentsOfFile: directory.file("calls.log"), encoding: .utf8)) ?? ""
        let runtime = (try? Data(contentsOf: URL(fileURLWithPath: directory.file("staging/runtime.json"))))
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        return Run(status: result.status, stderr: result.stderr, log: log, runtime: runtime, root: root)
    }

    @Test(arguments: cases) func preflight(_ test: Case) async throws {
        let directory = try TemporaryDirectory("docker-nvidia")
        let run = try await Self.run(test, in: directory)
        #expect(run.status == test.status, "\(run.stderr)")
        let lines = run.log.split(separator: "\n").map(String.init)
        for call in test.calls { #expect(lines.contains(call), "no call \(call.debugDescription) in:\n\(run.log)") }
        for word in test.notCalled {
            #expect(!lines.contains { $0.hasPrefix("apt-get") && $0.contains(" install ") && $0.contains(word) } && !lines.contains { $0.hasPrefix(word) },
                    "\(word) was installed or run:\n\(run.log)")
        }
        for text in test.stderr { #expect(run.stderr.contains(text), "missing \(text.debugDescription) in:\n\(run.stderr)") }
        if test.status != 0 {
            // A build that fails closed records nothing and restarts nothing.
            #expect(run.runtime == nil)
            #expect(!lines.contains { $0.hasPrefix("systemctl") })
            return
        }
        let runtime = try #require(run.runtime, "runtime.json is valid JSON")
        let docker = try #require(runtime["docker"] as? [String: Any])
        let nvidia = try #require(runtime["nvidia"] as? [String: Any])
        #expect(docker["source"] as? String == test.dockerSourceRecorded)
        #expect(nvidia["installed"] as? Bool == test.nvidiaInstalled)
        #expect((nvidia["note"] as? String)?.isEmpty == false)
        // The image carries the same record.
        let inImage = try String(contentsOfFile: run.root + "/etc/edge-imagesmith/runtime.json", encoding: .utf8)
        let staged = try String(contentsOfFile: directory.file("staging/runtime.json"), encoding: .utf8)
        #expect(inImage == staged)
    }

    @Test func insecureRegistriesGoToTheDaemonsConfiguration() async throws {
        let directory = try TemporaryDirectory("docker-nvidia")
        var test = Self.cases[1]
        test.insecure = "registry.lab.test:5055 10.0.2.2:5000"
        let run = try await Self.run(test, in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        let daemon = try String(contentsOfFile: run.root + "/etc/docker/daemon.json", encoding: .utf8)
        #expect(daemon == "{\"insecure-registries\": [\"registry.lab.test:5055\",\"10.0.2.2:5000\"]}\n")
        #expect(run.stderr.contains("the daemon may pull over plain HTTP from: registry.lab.test:5055 10.0.2.2:5000"))
    }

    @Test func noInsecureRegistriesNoDaemonConfiguration() async throws {
        let directory = try TemporaryDirectory("docker-nvidia")
        let run = try await Self.run(Self.cases[1], in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: run.root + "/etc/docker/daemon.json"))
    }
}
