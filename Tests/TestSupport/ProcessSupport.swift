import Foundation
import Synchronization
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

    /// The inode of the socket listening on TCP `port` (IPv4 or IPv6), from /proc/net.
    public static func listenerInode(port: Int) -> String? {
        let hexPort = String(format: "%04X", port)
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, fields[3] == "0A", fields[1].hasSuffix(":" + hexPort) else { continue }
                return String(fields[9])
            }
        }
        return nil
    }

    /// Whether process `pid` holds the socket listening on `port` (so it bound the port itself).
    public static func listens(pid: Int32, port: Int) -> Bool {
        guard let inode = listenerInode(port: port) else { return false }
        let directory = "/proc/\(pid)/fd"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(name)")) == "socket:[\(inode)]" { return true }
        }
        return false
    }

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

    /// Starts a server on a port of its own: a free port is chosen, `arguments(port)` makes
    /// its command line, and the server counts as started only when the listening socket on
    /// that port is one of its own descriptors (read from /proc), not another process's that
    /// took the port in between. Otherwise (it exited, or someone else listens there) it is
    /// stopped and started again on another port, up to five times.
    public convenience init(_ executable: String, logPath: String, readyTimeout: Double = ServerProcess.readyTimeout, host: String = "127.0.0.1",
                            arguments: (Int) throws -> [String]) throws {
        var lastError: Error = FixtureError("\(executable) was not started")
        for _ in 0..<5 {
            let port = try ProcessSupport.freePort()
            do {
                try self.init(executable, try arguments(port), port: port, logPath: logPath, readyTimeout: readyTimeout, host: host)
                return
            } catch let error as PortTaken {
                lastError = error
                continue
            }
        }
        throw lastError
    }

    struct PortTaken: Error, CustomStringConvertible { var description: String }

    /// How many servers may be starting at once in this test process: as many as the machine
    /// has cores. On a loaded 2-core machine, a dozen suites starting Python servers together
    /// made some wait past their deadline; a start now waits for a slot first, and its readiness
    /// deadline counts only from then, so a server fails only when it does not start.
    static let starting = DispatchSemaphore(value: startSlots)
    /// How long a server has to listen once it has a start slot. Generous: on a 2-core machine
    /// compiling the box package beside twenty suites, a Python server that generates its keys
    /// took over a minute; one that cannot start exits, and that is seen at once.
    public static let readyTimeout: Double = 180
    public static let startSlots = max(2, ProcessInfo.processInfo.activeProcessorCount)
    /// The most servers seen starting at once (the fixtures' own test reads it).
    public static var mostStartingAtOnce: Int { startCounter.withLock { $0.most } }
    static let startCounter = Mutex((now: 0, most: 0))

    public init(_ executable: String, _ arguments: [String], port: Int, logPath: String, readyTimeout: Double = ServerProcess.readyTimeout, host: String = "127.0.0.1") throws {
        self.port = port
        self.logPath = logPath
        Self.starting.wait()
        Self.startCounter.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
        defer {
            Self.startCounter.withLock { $0.now -= 1 }
            Self.starting.signal()
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: try ProcessSupport.which(executable))
        process.arguments = arguments
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        // A program just written may still be open for writing in a child another thread
        // spawned (ETXTBSY) for a moment: try again shortly, as the product's runner does.
        var attempts = 0
        while true {
            do {
                try process.run()
                break
            } catch let error as NSError where Self.isTextBusy(error) && attempts < 20 {
                attempts += 1
                usleep(UInt32(5_000 * attempts))
            }
        }
        let start = Date()
        while true {
            // Listening on the port is not enough: the listener must be this process's own.
            if ProcessSupport.isListening(port, host: host), ProcessSupport.listens(pid: process.processIdentifier, port: port) { break }
            guard process.isRunning else {
                let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                if text.lowercased().contains("address already in use") || ProcessSupport.listenerInode(port: port) != nil {
                    throw PortTaken(description: "port \(port) was taken by another process: \(text)")
                }
                throw FixtureError("\(executable) exited before listening on \(port): \(text)")
            }
            guard Date().timeIntervalSince(start) < readyTimeout else {
                stop()
                throw FixtureError("\(executable) did not listen on \(port) within \(readyTimeout) s of its start; its log: \(String((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").suffix(2000))")
            }
            usleep(20_000)
        }
    }

    /// Foundation reports ETXTBSY as a Cocoa error wrapping the POSIX one.
    static func isTextBusy(_ error: NSError) -> Bool {
        if error.domain == NSPOSIXErrorDomain && error.code == Int(ETXTBSY) { return true }
        return (error.userInfo[NSUnderlyingErrorKey] as? NSError).map(isTextBusy) ?? false
    }

    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public var pid: Int32 { process.processIdentifier }
}

extension ServerProcess {
    /// `init(_:logPath:readyTimeout:host:arguments:)` on a GCD thread, for async tests.
    public static func start(_ executable: String, logPath: String, readyTimeout: Double = ServerProcess.readyTimeout, host: String = "127.0.0.1",
                             arguments: @escaping @Sendable (Int) throws -> [String]) async throws -> ServerProcess {
        try await ProcessSupport.detached {
            try ServerProcess(executable, logPath: logPath, readyTimeout: readyTimeout, host: host, arguments: arguments)
        }
    }
}
