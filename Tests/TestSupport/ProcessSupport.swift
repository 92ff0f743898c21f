import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Process helpers that never hang a Swift Testing suite: children inherit a signal mask with
/// SIGTERM blocked there, so servers are stopped with SIGKILL, and one-shot commands are
/// only waited for after their output pipes are drained.
public enum ProcessSupport {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs a command to completion (for skopeo, openssl, htpasswd).
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdin: String? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try which(executable))
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// `run` on a GCD thread: an async test waits without holding one of the cooperative
    /// pool's threads (there are as many as cores, 2 here), so in-process async work in other
    /// tests keeps running while this one waits for a child process.
    public static func runDetached(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdin: String? = nil) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try run(executable, arguments, environment: environment, stdin: stdin) })
            }
        }
    }

    /// Any blocking work (waiting for a child, sleeping between kills) on a GCD thread (see
    /// `runDetached`).
    public static func detached<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// `check` on a GCD thread (see `runDetached`).
    @discardableResult
    public static func checkDetached(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> String {
        let result = try await runDetached(executable, arguments, environment: environment)
        guard result.status == 0 else {
            throw FixtureError("\(executable) \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result.stdout
    }

    /// Runs a command and throws when it fails.
    @discardableResult
    public static func check(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
        let result = try run(executable, arguments, environment: environment)
        guard result.status == 0 else {
            throw FixtureError("\(executable) \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result.stdout
    }

    public static func which(_ name: String) throws -> String {
        if name.hasPrefix("/") { return name }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        for directory in ["/usr/sbin", "/sbin", "/usr/local/sbin"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw FixtureError("\(name) is not installed (see .ci/run for the packages the tests need)")
    }

    /// Ports this test process has handed out: the kernel may give a released port to the next
    /// bind(0), and two servers started on one port make the loser's client talk to the winner.
    nonisolated(unsafe) static var handedOut = Set<Int>()
    static let handedOutLock = NSLock()

    /// A free loopback TCP port (bound to port 0, read back, released), never the same twice
    /// in one test run.
    public static func freePort() throws -> Int {
        for _ in 0..<50 {
            let port = try anyFreePort()
            handedOutLock.lock()
            let fresh = handedOut.insert(port).inserted
            handedOutLock.unlock()
            if fresh { return port }
        }
        throw FixtureError("no fresh free port after 50 tries")
    }

    static func anyFreePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw FixtureError("bind() failed") }
        let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        guard named == 0 else { throw FixtureError("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on host:port (IPv4).
    public static func isListening(_ port: Int, host: String = "127.0.0.1") -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let result = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        return result == 0
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A server process started for a test and killed (SIGKILL) when it goes away.
public final class ServerProcess: @unchecked Sendable {
    public let port: Int
    public let logPath: String
    let process: Process

    public init(_ executable: String, _ arguments: [String], port: Int, logPath: String, readyTimeout: Double = 20, host: String = "127.0.0.1") throws {
        self.port = port
        self.logPath = logPath
        process = Process()
        process.executableURL = URL(fileURLWithPath: try ProcessSupport.which(executable))
        process.arguments = arguments
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let start = Date()
        while !ProcessSupport.isListening(port, host: host) {
            guard process.isRunning else {
                throw FixtureError("\(executable) exited before listening on \(port): \((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
            }
            guard Date().timeIntervalSince(start) < readyTimeout else {
                stop()
                throw FixtureError("\(executable) did not listen on \(port) within \(readyTimeout) s")
            }
            usleep(20_000)
        }
    }

    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}
