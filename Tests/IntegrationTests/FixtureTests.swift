import Foundation
import Testing
import TestSupport

/// The fixtures hold on a busy machine, so that a test fails only for what it tests: server
/// starts are bounded (a start waits for a slot, and its deadline counts from then), and a
/// script written by a test can be run at once while other threads spawn processes.
@Suite struct FixtureTests {
    @Test func serversStartAFewAtATimeAndAllStart() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        // Twelve Python servers asked for at once (beside whatever the rest of the suite runs).
        let proxies = try await withThrowingTaskGroup(of: FaultProxy.self) { group in
            for _ in 0..<12 { group.addTask { try await FaultProxy.start(upstream: registry, mode: "pass") } }
            var all: [FaultProxy] = []
            for try await proxy in group { all.append(proxy) }
            return all
        }
        #expect(proxies.count == 12)
        #expect(Set(proxies.map(\.port)).count == 12)
        #expect(ServerProcess.mostStartingAtOnce <= ServerProcess.startSlots, "\(ServerProcess.mostStartingAtOnce) servers were starting at once")
    }

    @Test func aScriptWrittenNowRunsNowWhileOtherThreadsSpawn() async throws {
        let directory = try TemporaryDirectory("etxtbsy")
        let stop = ManagedAtomicFlag()
        // Other threads spawning processes the whole time (what a test suite does).
        let spawners = (0..<2).map { _ in
            Thread {
                while !stop.isSet {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/bin/true")
                    try? process.run()
                    process.waitUntilExit()
                }
            }
        }
        spawners.forEach { $0.start() }
        defer { stop.set() }
        for index in 0..<150 {
            let script = try directory.write("script-\(index)", "#!/bin/sh\necho ran-\(index)\n", mode: 0o755)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: script)
            let pipe = Pipe()
            process.standardOutput = pipe
            do { try process.run() } catch {
                Issue.record("script \(index) could not be run at once: \(error)")
                continue
            }
            process.waitUntilExit()
            #expect(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "ran-\(index)\n")
        }
    }
}

final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
