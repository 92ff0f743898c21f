import Foundation
import Testing
import TestSupport

/// The image lab's checks (scripts/lab-lib.sh, sourced by scripts/lab) run for real with bash:
/// a check that holds narrates "ok:" and the lab goes on; one that does not prints FAILED with
/// what was expected and what was seen, and ends the lab with exit 1 before its next step. The
/// lab itself is only as honest as these: every case here that should fail is made to fail.
@Suite struct LabCheckerTests {
    static let library = BuildFixture.repository.appendingPathComponent("scripts/lab-lib.sh").path

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var script: String
        var status: Int32
        var output: [String]
        var testDescription: String { name }
    }

    /// Runs SCRIPT after sourcing the library, then prints "after" (reached only if every
    /// check before it held).
    static func run(_ script: String, in directory: TemporaryDirectory) async throws -> ProcessSupport.Output {
        try await ProcessSupport.runDetached("/bin/bash", ["-c", "set -euo pipefail; . \"$1\"; cd \"$2\"; \(script)\necho after", "lab", library, directory.url.path])
    }

    static let cases: [Case] = [
        Case(name: "check_eq holds", script: #"check_eq "the hostname" lab-gw-01 lab-gw-01"#,
             status: 0, output: ["ok: the hostname", "after"]),
        Case(name: "check_eq fails", script: #"check_eq "the hostname" lab-gw-01 debian; echo never"#,
             status: 1, output: ["FAILED: the hostname", "expected: lab-gw-01", "got:      debian"]),
        Case(name: "check_contains holds", script: #"check_contains "status" "$(printf 'current: 2026.12.1 (good)\nprevious: none')" "current: 2026.12.1 (good)""#,
             status: 0, output: ["ok: status", "after"]),
        Case(name: "check_contains fails", script: #"check_contains "status" "current: 2026.12.2 (trial)" "current: 2026.12.1""#,
             status: 1, output: ["FAILED: status", "expected to contain: current: 2026.12.1", "got: current: 2026.12.2 (trial)"]),
        Case(name: "check_not_contains holds", script: #"check_not_contains "no token in the journal" "registered lab-gw-01" "claim-7c1f""#,
             status: 0, output: ["ok: no token in the journal", "after"]),
        Case(name: "check_not_contains fails", script: #"check_not_contains "no token in the journal" "token=claim-7c1f" "claim-7c1f""#,
             status: 1, output: ["FAILED: no token in the journal", "expected not to contain: claim-7c1f"]),
        Case(name: "check_cmd holds", script: #"check_cmd "true runs" true"#,
             status: 0, output: ["ok: true runs", "after"]),
        Case(name: "check_cmd fails with the command's exit and output", script: #"check_cmd "the bundle installs" sh -c 'echo refused >&2; exit 65'"#,
             status: 1, output: ["FAILED: the bundle installs", "exit 65: refused"]),
        Case(name: "wait_for gives up at its bound", script: #"wait_for "the box answers" 0 false"#,
             status: 1, output: ["FAILED: the box answers (waited 0 s)", "command: false"]),
        Case(name: "wait_for retries until the command succeeds",
             script: #"wait_for "the third try" 30 sh -c 'n=$(cat tries 2>/dev/null || echo 0); echo $((n + 1)) > tries; [ $n -ge 2 ]'; echo "tries=$(cat tries)""#,
             status: 0, output: ["ok: the third try (after ", "tries=3", "after"]),
        Case(name: "check_lynis holds: the index at the floor, the warnings explained",
             script: #"printf 'USB-1000\nFINT-4350\n' > explained; check_lynis "$(printf 'hardening_index=80\nwarning[]=USB-1000|USB storage|-|-|\nsuggestion[]=X|y|-|-|\n')" 80 explained"#,
             status: 0, output: ["lynis: hardening index 80 (floor 80), 1 suggestions, 1 warnings", "warning: USB-1000 USB storage", "ok: lynis's", "after"]),
        Case(name: "check_lynis fails below the floor",
             script: #"printf 'USB-1000\n' > explained; check_lynis "$(printf 'hardening_index=79\n')" 80 explained"#,
             status: 1, output: ["FAILED: lynis's hardening index is at least 80", "got: 79"]),
        Case(name: "check_lynis fails on a warning nobody explained",
             script: #"printf 'USB-1000\n' > explained; check_lynis "$(printf 'hardening_index=91\nwarning[]=SSH-7412|root login|-|-|\n')" 80 explained"#,
             status: 1, output: ["FAILED: every lynis warning is fixed or explained", "unexplained: SSH-7412 root login"]),
        Case(name: "check_lynis fails without an index",
             script: #"printf '' > explained; check_lynis "nothing" 80 explained"#,
             status: 1, output: ["FAILED: lynis gave a hardening index"]),
        Case(name: "stage times list every stage and the whole",
             script: #"stage one; say first; stage two; say second; stage_times"#,
             status: 0, output: ["== one", "first", "== two", "stage times", "s  one", "s  two", "s  the whole lab", "after"]),
    ]

    @Test(arguments: cases) func checker(_ test: Case) async throws {
        let directory = try TemporaryDirectory("lab-checker")
        let result = try await Self.run(test.script, in: directory)
        let output = result.stdout + result.stderr
        #expect(result.status == test.status, "\(output)")
        for line in test.output {
            #expect(output.contains(line), "missing \(line.debugDescription) in:\n\(output)")
        }
        if test.status != 0 {
            // A failed check ends the lab: nothing after it runs.
            #expect(!output.contains("after"), "\(output)")
            #expect(!output.contains("never"), "\(output)")
            #expect(result.stderr.contains("FAILED"), "the failure goes to standard error: \(result.stderr)")
        }
    }
}
