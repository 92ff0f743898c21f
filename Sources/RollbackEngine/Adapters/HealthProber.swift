import FoundationEssentials
import HostIO
import Release
#if canImport(Glibc)
import Glibc
#endif

/// Runs one probe once. HTTP and TCP go over plain sockets (no TLS stack on the device side:
/// the checks probe the box's own services); commands run on the host with a timeout; `exec`
/// commands run inside the service's container (the container engine's `exec`);
/// `container_running` asks the container engine.
package struct HealthProber: HealthProbing {
    let runner: ProcessRunner
    let engine: any ContainerEngine

    package init(runner: ProcessRunner, engine: any ContainerEngine) {
        self.runner = runner
        self.engine = engine
    }

    /// nil when the probe passed, else why it failed.
    package func probe(_ check: HealthCheckFile.Check, project: String) -> String? {
        let timeout = TimeInterval(check.timeoutSeconds)
        switch check.probe {
        case .http(let url, let expect):
            guard let (host, port, path) = HealthCheckFile.Check.httpTarget(url) else { return "\(url) is not a plain http:// URL" }
            switch Self.httpStatus(host: host, port: port, path: path, timeout: timeout) {
            case .success(let status): return status == expect ? nil : "http://\(host):\(port)\(path) answered \(status), expected \(expect)"
            case .failure(let reason): return "http://\(host):\(port)\(path): \(reason)"
            }
        case .tcp(let host, let port):
            switch Self.connect(host: host, port: port, timeout: timeout) {
            case .success(let fd): close(fd); return nil
            case .failure(let reason): return "tcp \(host):\(port): \(reason)"
            }
        case .containerRunning:
            do {
                let running = try engine.runningServices(project: project)
                return running.contains(check.service) ? nil : "service \(check.service) is not running"
            } catch { return error.description }
        case .command(let words):
            do {
                let result = try runner.run(words[0], Array(words.dropFirst()), timeout: timeout)
                if result.timedOut { return "\(words.joined(separator: " ")) did not finish within \(check.timeoutSeconds) s" }
                return result.status == 0 ? nil : "\(words.joined(separator: " ")) exited \(result.status)"
            } catch { return error.description }
        case .exec(let words):
            do {
                let outcome = try engine.exec(project: project, service: check.service, command: words, timeout: timeout)
                if outcome.timedOut { return "\(words.joined(separator: " ")) in \(check.service) did not finish within \(check.timeoutSeconds) s" }
                return outcome.status == 0 ? nil : "\(words.joined(separator: " ")) in \(check.service) exited \(outcome.status)"
            } catch { return error.description }
        }
    }

    struct ProbeFailure: Error { var reason: String }

    enum Outcome<T> { case success(T), failure(String) }

    /// A non-blocking connect bounded by `timeout`, trying each address of `host`.
    static func connect(host: String, port: Int, timeout: TimeInterval) -> Outcome<Int32> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, String(port), &hints, &list)
        guard code == 0, let first = list else { return .failure("cannot resolve \(host): \(String(cString: gai_strerror(code)))") }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.ai_protocol)
            guard fd >= 0 else { lastError = String(cString: strerror(errno)); continue }
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) != 0 {
                guard errno == EINPROGRESS else { lastError = String(cString: strerror(errno)); close(fd); continue }
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ready = poll(&poller, 1, Int32(timeout * 1000))
                guard ready > 0 else { lastError = ready == 0 ? "no connection within \(Int(timeout)) s" : String(cString: strerror(errno)); close(fd); continue }
                var failure: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length)
                guard failure == 0 else { lastError = String(cString: strerror(failure)); close(fd); continue }
            }
            _ = fcntl(fd, F_SETFL, flags)
            return .success(fd)
        }
        return .failure(lastError)
    }

    /// GET `path` over HTTP/1.0 and return the status code of the answer.
    static func httpStatus(host: String, port: Int, path: String, timeout: TimeInterval) -> Outcome<Int> {
        let deadline = Date().addingTimeInterval(timeout)
        let fd: Int32
        switch connect(host: host, port: port, timeout: timeout) {
        case .success(let socket): fd = socket
        case .failure(let reason): return .failure(reason)
        }
        defer { close(fd) }
        var value = timeval(tv_sec: max(1, Int(timeout)), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let request = Array("GET \(path) HTTP/1.0\r\nHost: \(hostHeader)\r\nUser-Agent: edge-rollback\r\nConnection: close\r\n\r\n".utf8)
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { return .failure("cannot send the request: \(String(cString: strerror(errno)))") }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while !received.contains(0x0a) && received.count < 8192 && Date() < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            received += buffer[0..<count]
        }
        let line = String(decoding: received.prefix { $0 != 0x0a }, as: UTF8.self)
        let words = line.split(separator: " ")
        guard words.count >= 2, words[0].hasPrefix("HTTP/"), let status = Int(words[1]) else {
            return .failure(received.isEmpty ? "no answer within \(Int(timeout)) s" : "the answer is not HTTP")
        }
        return .success(status)
    }
}
