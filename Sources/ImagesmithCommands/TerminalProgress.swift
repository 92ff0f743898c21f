import Basics
import Foundation
import RegistryClient

/// A resolver's progress on one line of stderr while it runs ("imagesmith: 12/200 resolved;
/// waiting longest on registry.example (4.2 s)"), redrawn four times a second and cleared at
/// the end; only when stderr is a terminal (not "dumb"), so a script or a log gets nothing of
/// it. It writes to the terminal directly: its own text, with the registry's name printable.
final class TerminalProgress: @unchecked Sendable {
    let progress: ResolveProgress
    let verb: String
    private let lock = Lock()
    private var running = true
    private var shown = false
    private var task: Task<Void, Never>?

    /// Whether progress may be shown: stderr is a terminal a person reads.
    static func wanted(environment: [String: String]) -> Bool {
        isatty(2) == 1 && environment["TERM"] != "dumb"
    }

    init(_ progress: ResolveProgress, verb: String = "resolved") {
        self.progress = progress
        self.verb = verb
        task = Task.detached { [weak self] in
            while let self, self.lock.withLock({ self.running }) {
                self.draw()
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    func draw() {
        let snapshot = progress.snapshot()
        guard snapshot.total > 0 else { return }
        var line = "imagesmith: \(snapshot.done)/\(snapshot.total) \(verb)"
        if let slowest = snapshot.slowest, slowest.seconds >= 1 {
            line += "; waiting longest on \(slowest.registry.printableText(limit: 60)) (\(String(format: "%.1f", slowest.seconds)) s)"
        }
        lock.withLock {
            guard running else { return }
            StandardStreams.write(2, Array(("\r\u{1b}[K" + line).utf8))
            shown = true
        }
    }

    /// Stops drawing and clears the line (before the command's own output).
    func finish() {
        lock.withLock {
            running = false
            if shown { StandardStreams.write(2, Array("\r\u{1b}[K".utf8)) }
        }
        task?.cancel()
    }
}
