import Basics
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Named points where tests make a command kill itself with SIGKILL (`<VARIABLE>=N`: the N-th
/// point reached), to prove that every step is durable before the next begins. Inert when the
/// variable is unset, which is always the case outside tests.
public struct CrashPoints: Sendable {
    let variable: String
    let crashAt: Int?
    final class Counter: @unchecked Sendable { var value = 0 }
    let counter = Counter()

    public init(variable: String, environment: [String: String]) {
        self.variable = variable
        crashAt = environment[variable].flatMap(Int.init)
    }

    public static let inert = CrashPoints(variable: "", environment: [:])

    public func hit(_ name: String) {
        guard let crashAt else { return }
        counter.value += 1
        if counter.value == crashAt {
            StandardStreams.error("test crash at point \(counter.value) (\(name))\n")
            kill(getpid(), SIGKILL)
        }
    }
}
