import Foundation
import Testing
import TestSupport

/// Every shell step the image build runs (templates/), every script an operator or CI runs
/// (scripts/) and every benchmark (bench/) passes shellcheck at its strictest default
/// (style included); what a script does on purpose that shellcheck would flag is said in a
/// directive beside it, with the reason.
@Suite struct ShellcheckTests {
    static let repository = BuildFixture.repository

    /// The shell files of the three directories: by extension, or by a shell shebang.
    static func shellFiles() throws -> [String] {
        var files: [String] = []
        for directory in ["templates", "templates/debian", "scripts", "bench"] {
            let path = repository.appendingPathComponent(directory).path
            for name in try FileManager.default.contentsOfDirectory(atPath: path).sorted() {
                let file = "\(path)/\(name)"
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                let head = (try? String(contentsOfFile: file, encoding: .utf8))?.split(separator: "\n").first ?? ""
                if name.hasSuffix(".sh") || head.hasPrefix("#!") && head.contains("sh") { files.append("\(directory)/\(name)") }
            }
        }
        return files
    }

    @Test func everyShellScriptPassesShellcheck() async throws {
        let files = try Self.shellFiles()
        #expect(files.count >= 15, "\(files)")
        #expect(files.contains("templates/debian/box.postinst") && files.contains("scripts/lab-lib.sh") && files.contains("bench/resolve"))
        let result = try await ProcessSupport.runDetached("/bin/sh", ["-c", "cd \"$1\" && shift && exec shellcheck -x --severity=style \"$@\"", "sh", Self.repository.path] + files)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test func shellcheckFindsWhatItShould() async throws {
        let directory = try TemporaryDirectory("shellcheck")
        let bad = try directory.write("bad.sh", "#!/bin/sh\ncd $1\nrm -rf $dir/*\n")
        let result = try await ProcessSupport.runDetached("shellcheck", ["--severity=style", bad])
        #expect(result.status != 0)
        #expect(result.stdout.contains("SC2086"))
    }
}
