import Basics
import Foundation
import HostIO

/// `SourceControl` by running git on its own thread (never blocking Swift's cooperative pool).
package struct GitSourceControl: SourceControl {
    package let environment: [String: String]

    package init(environment: [String: String]) { self.environment = environment }

    package func commit(of path: String) async -> String? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: commitBlocking(of: path)) }
        }
    }

    func commitBlocking(of path: String) -> String? {
        let directory = Path.directory(path)
        let file = Path.name(path)
        guard let head = run(["-C", directory, "log", "-1", "--format=%H", "--", file]), !head.isEmpty else { return nil }
        let status = run(["-C", directory, "status", "--porcelain", "--", file]) ?? ""
        return status.isEmpty ? head : head + "-dirty"
    }

    func run(_ arguments: [String]) -> String? {
        guard let result = try? ProcessRunner(environment: environment).run("/usr/bin/git", arguments, timeout: 30),
              result.status == 0 else { return nil }
        return result.stdout.trimmed
    }
}
