import Basics
import CSystem
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program found on PATH (or by path), optionally feeding it stdin, capturing its
/// output, with an optional timeout after which it is killed with SIGKILL. Blocking: call it
/// from a GCD thread, never from Swift's cooperative pool. The toolchain's one way of starting
/// processes (credential helpers, git, docker, health-check commands, systemctl, mount).
///
/// Built on `posix_spawn` rather than Foundation's `Process` (the box tools link
/// FoundationEssentials only). The child starts with every signal unblocked and at its
/// default action, whatever the parent had blocked or ignored (a test runner's blocked
/// SIGTERM, our own ignored SIGPIPE), and with no descriptors but its three standard ones.
public struct ProcessRunner: Sendable {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var timedOut: Bool
    }

    public var environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// `program` is looked up on PATH unless it contains a slash. Throws only when it cannot be
    /// started.
    public func run(_ program: String, _ arguments: [String], directory: String? = nil, stdin: Data? = nil,
                    timeout: TimeInterval? = nil) throws(HostIOError) -> Result {
        guard let executable = resolve(program) else {
            throw .cannotRun(program: program, reason: "not found on PATH (\(environment["PATH"] ?? "unset"))")
        }
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1], inPipe: [Int32] = [-1, -1]
        guard edge_pipe_cloexec(&outPipe) == 0, edge_pipe_cloexec(&errPipe) == 0, edge_pipe_cloexec(&inPipe) == 0 else {
            let code = errno
            for fd in outPipe + errPipe + inPipe where fd >= 0 { close(fd) }
            throw .cannotRun(program: program, reason: String(cString: strerror(code)))
        }
        let pid: pid_t
        do {
            pid = try spawn(executable, arguments: arguments, directory: directory,
                            stdin: stdin == nil ? nil : inPipe[0], stdout: outPipe[1], stderr: errPipe[1])
        } catch {
            for fd in outPipe + errPipe + inPipe { close(fd) }
            throw .cannotRun(program: program, reason: error.reason)
        }
        close(outPipe[1]); close(errPipe[1]); close(inPipe[0])
        var input = stdin.map(Array.init) ?? []
        var inputFD: Int32 = inPipe[1]
        if stdin == nil || input.isEmpty { close(inputFD); inputFD = -1 }
        else {
            _ = fcntl(inputFD, F_SETFL, fcntl(inputFD, F_GETFL) | O_NONBLOCK)
            // A child may exit without reading its input: EPIPE is its answer, not our crash.
            signal(SIGPIPE, SIG_IGN)
        }

        // One loop drains both pipes (a chatty child never blocks on a full pipe), feeds stdin,
        // watches for the exit and enforces the timeout.
        var out: [UInt8] = [], err: [UInt8] = []
        var readable: [Int32: Bool] = [outPipe[0]: true, errPipe[0]: true]
        let started = monotonicSeconds()
        var status: Int32?
        var timedOut = false
        var exitedAt: Double?
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            if status == nil {
                var raw: Int32 = 0
                let reaped = waitpid(pid, &raw, WNOHANG)
                if reaped == pid { status = Self.exitStatus(raw); exitedAt = monotonicSeconds() }
            }
            let now = monotonicSeconds()
            if status == nil, let timeout, !timedOut, now - started >= timeout {
                timedOut = true
                kill(pid, SIGKILL)
            }
            let readers = readable.filter(\.value).map(\.key).sorted()
            // A grandchild may hold the pipes open after the child exits; do not wait forever.
            if status != nil && (readers.isEmpty || now - (exitedAt ?? now) >= (timedOut ? 1 : 30)) { break }
            var fds = readers.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if inputFD >= 0 { fds.append(pollfd(fd: inputFD, events: Int16(POLLOUT), revents: 0)) }
            if fds.isEmpty {
                // Nothing to read: wait for the exit in small steps.
                _ = poll(nil, 0, 20)
                continue
            }
            let ready = poll(&fds, nfds_t(fds.count), 20)
            if ready < 0 && errno != EINTR { break }
            for entry in fds where entry.revents != 0 {
                if entry.fd == inputFD {
                    let written = input.withUnsafeBytes { Glibc.write(inputFD, $0.baseAddress, $0.count) }
                    if written > 0 { input.removeFirst(written) }
                    if input.isEmpty || (written < 0 && errno != EAGAIN && errno != EINTR) { close(inputFD); inputFD = -1 }
                    continue
                }
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    if entry.fd == outPipe[0] { out += buffer[0..<count] } else { err += buffer[0..<count] }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    readable[entry.fd] = false
                }
            }
        }
        if inputFD >= 0 { close(inputFD) }
        close(outPipe[0]); close(errPipe[0])
        if status == nil {
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
            status = Self.exitStatus(raw)
        }
        return Result(status: status ?? -1, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self), timedOut: timedOut)
    }

    struct SpawnError: Error { var reason: String }

    private func spawn(_ executable: String, arguments: [String], directory: String?, stdin: Int32?, stdout: Int32, stderr: Int32) throws(SpawnError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin { posix_spawn_file_actions_adddup2(&actions, stdin, 0) }
        else { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        edge_spawn_add_close_from(&actions, 3)
        if let directory { edge_spawn_add_chdir(&actions, directory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        // ETXTBSY: a script written a moment ago can still be open for writing in a child that
        // another thread forked meanwhile (until that child execs); it passes in milliseconds.
        var code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        var attempts = 1
        while code == ETXTBSY && attempts < 20 {
            usleep(UInt32(5_000 * attempts))
            attempts += 1
            code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        }
        guard code == 0 else { throw SpawnError(reason: String(cString: strerror(code))) }
        return pid
    }

    /// The exit status, or 128 + the signal for a child killed by one (as shells report it).
    static func exitStatus(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    public func resolve(_ program: String) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// Seconds on the monotonic clock (for timeouts that a clock step must not shorten).
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1_000_000_000
}
