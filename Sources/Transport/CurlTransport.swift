import Basics
import CCurl
import Dispatch
import FoundationEssentials
import HTTPCore
import Logging

/// `HTTPTransport` over libcurl: TLS peer and host verification always on (system CAs or the
/// given CA bundle), no redirects followed (the core decides), http/https only, handles
/// pooled; every transfer runs on one libcurl multi loop (`CurlMultiLoop`), which shares one
/// connection cache and needs no blocked thread per request.
public final class CurlTransport: HTTPTransport, @unchecked Sendable {
    public let caFile: String?
    public let userAgent: String
    /// Larger answers are cut off with an error: manifests and configs are small.
    public let maxBodyBytes: Int
    /// `HOST:PORT:ADDRESS` entries (curl's `--resolve`): connect there instead of asking DNS.
    public let resolve: [String]
    /// Per-host CA certificates added to the system's trust for that host only (certs.d);
    /// ignored when `caFile` replaces the trust for every host.
    public let hostCertificates: CertificateDirectories?
    /// The system's CA bundle (the trust the per-host certificates are added to).
    let systemBundle: [UInt8]
    /// Whether `systemBundle` stands in for the machine's (tests): then it is the trust for
    /// every host, not only those with certificates of their own.
    let systemBundleGiven: Bool
    let logger: Logger
    /// The trust for each host that has certificates of its own, made once.
    private var hostTrust: [String: [UInt8]?] = [:]

    private let lock = Lock()
    private var idle: [CurlEasyHandle] = []
    /// Made with the first request (a transport that sends nothing starts no thread).
    private var loop: CurlMultiLoop?

    public init(caFile: String? = nil, userAgent: String = "imagesmith/\(ToolchainVersion.current)", maxBodyBytes: Int = 32 << 20,
                resolve: [String] = [], hostCertificates: CertificateDirectories? = nil, systemBundle: [UInt8]? = nil,
                logger: Logger = Logger(label: "imagesmith.transport")) {
        self.caFile = caFile
        self.hostCertificates = hostCertificates
        self.systemBundle = systemBundle ?? (hostCertificates == nil ? [] : SystemTrust.bundle)
        self.systemBundleGiven = systemBundle != nil
        self.resolve = resolve
        self.userAgent = userAgent
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
    }

    deinit { loop?.stop() }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let handle = try checkout()
        defer { checkin(handle) }
        let transfer = try prepare(request, on: handle)
        let loop = try multiLoop()
        let code: CURLcode = await withCheckedContinuation { continuation in
            loop.submit(CurlMultiLoop.Job(handle: handle, state: transfer) { continuation.resume(returning: $0) })
        }
        return try finish(request, on: handle, transfer: transfer, code: code)
    }

    private func multiLoop() throws -> CurlMultiLoop {
        let result = lock.withLock { () -> Result<CurlMultiLoop, TransportFailure> in
            if let loop { return .success(loop) }
            do throws(TransportFailure) {
                let made = try CurlMultiLoop()
                loop = made
                return .success(made)
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let loop): return loop
        case .failure(let failure): throw TransportError(.other, failure.description)
        }
    }

    private func checkout() throws -> CurlEasyHandle {
        let handle = lock.withLock { idle.popLast() }
        if let handle { return handle }
        do { return try CurlEasyHandle() } catch { throw TransportError(.other, error.description) }
    }

    private func checkin(_ handle: CurlEasyHandle) {
        lock.withLock { idle.append(handle) }
    }

    /// What one transfer needs alive until it is done: its response, its header lists.
    final class Transfer {
        let accumulator: ResponseAccumulator
        let headers: CurlStringList
        let resolveList: CurlStringList

        init(accumulator: ResponseAccumulator, headers: CurlStringList, resolveList: CurlStringList) {
            self.accumulator = accumulator
            self.headers = headers
            self.resolveList = resolveList
        }
    }

    /// Sets every option of one transfer on `handle` (quick: no I/O).
    func prepare(_ request: HTTPRequest, on handle: CurlEasyHandle) throws -> Transfer {
        // A header is a header: a value that carries a line break (a token a server sent, say)
        // would add headers of its own to this request and every later one.
        if let name = request.headers.firstUnsendable {
            throw TransportError(.refusedRequest, "refusing to send a request whose \(name) header has a control character or an invalid name")
        }
        if request.url.absoluteString.utf8.contains(where: { $0 < 0x21 || $0 == 0x7f }) {
            throw TransportError(.refusedRequest, "refusing to send a request whose URL has spaces or control characters")
        }
        let transfer = Transfer(accumulator: ResponseAccumulator(limit: maxBodyBytes),
                                headers: CurlStringList(request.headers.map { "\($0.name): \($0.value)" } + ["Expect:"]),
                                resolveList: CurlStringList(resolve))
        let context = Unmanaged.passUnretained(transfer.accumulator).toOpaque()
        let timeoutMs = max(1, Int(request.timeout.components.seconds * 1000 + request.timeout.components.attoseconds / 1_000_000_000_000_000))
        do {
            try handle.reset()
            try handle.set(CURLOPT_URL, request.url.absoluteString)
            try handle.set(CURLOPT_NOSIGNAL, 1)
            try handle.set(CURLOPT_FOLLOWLOCATION, 0)
            try handle.set(CURLOPT_PROTOCOLS_STR, "http,https")
            try handle.set(CURLOPT_SSL_VERIFYPEER, 1)
            try handle.set(CURLOPT_SSL_VERIFYHOST, 2)
            if let caFile {
                try handle.set(CURLOPT_CAINFO, caFile)
            } else if let trust = trust(for: request.url) {
                try handle.set(CURLOPT_CAINFO_BLOB, blob: trust)
            }
            try handle.set(CURLOPT_TIMEOUT_MS, timeoutMs)
            try handle.set(CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMs, 15_000))
            try handle.set(CURLOPT_USERAGENT, userAgent)
            try handle.set(CURLOPT_HTTPHEADER, list: transfer.headers)
            if !resolve.isEmpty { try handle.set(CURLOPT_RESOLVE, list: transfer.resolveList) }
            try handle.set(CURLOPT_WRITEFUNCTION, callback: curlWriteBody)
            try handle.set(CURLOPT_WRITEDATA, pointer: context)
            try handle.set(CURLOPT_HEADERFUNCTION, callback: curlWriteHeader)
            try handle.set(CURLOPT_HEADERDATA, pointer: context)
            switch request.method {
            case .head:
                try handle.set(CURLOPT_NOBODY, 1)
            case .get:
                try handle.set(CURLOPT_HTTPGET, 1)
            case .delete:
                try handle.set(CURLOPT_HTTPGET, 1)
                try handle.set(CURLOPT_CUSTOMREQUEST, "DELETE")
            case .post, .put:
                // libcurl copies the body (COPYPOSTFIELDS): nothing of ours must outlive the call.
                // A PUT is a POST's transfer under another method name.
                let body = request.body ?? []
                try handle.set(CURLOPT_POST, 1)
                if request.method == .put { try handle.set(CURLOPT_CUSTOMREQUEST, "PUT") }
                try handle.set(CURLOPT_POSTFIELDSIZE, body.count)
                if body.isEmpty {
                    try handle.set(CURLOPT_COPYPOSTFIELDS, "")
                } else {
                    let code = body.withUnsafeBytes { edge_curl_setopt_pointer(handle.raw, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress)) }
                    try CurlCode.check(code, "setting the request body")
                }
            }
        } catch {
            throw TransportError(.other, "\(error)")
        }
        return transfer
    }

    /// The system's trust plus the host's own CA certificates, when a certs.d directory has
    /// some for the URL's host and port; nil for the system's trust alone.
    func trust(for url: URL) -> [UInt8]? {
        guard let host = url.host, let scheme = url.scheme?.lowercased(), scheme == "https" else { return nil }
        let key = "\(host.lowercased()) \(url.port ?? 443)"
        if let known = lock.withLock({ hostTrust[key] }) { return known }
        let own = hostCertificates?.certificates(host: host, port: url.port, scheme: scheme)
        let found = own.map { systemBundle + [0x0a] + $0 } ?? (systemBundleGiven ? systemBundle : nil)
        lock.withLock { hostTrust[key] = found }
        return found
    }

    /// The response of a finished transfer, or why there is none.
    func finish(_ request: HTTPRequest, on handle: CurlEasyHandle, transfer: Transfer, code: CURLcode) throws -> HTTPResponse {
        let accumulator = transfer.accumulator
        if accumulator.overflowed {
            throw TransportError(.responseTooLarge, "the answer from \(request.url.host ?? "the server") is larger than \(maxBodyBytes) bytes")
        }
        if let error = CurlCode.transportError(code, detail: handle.lastErrorText, url: request.url.absoluteString) {
            throw error
        }
        let status = handle.infoLong(CURLINFO_RESPONSE_CODE)
        return HTTPResponse(status: status, headers: HTTPHeaders(accumulator.headers), body: accumulator.body)
    }
}

/// Collects one response's headers and body from libcurl's callbacks.
final class ResponseAccumulator {
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    let limit: Int
    var overflowed = false

    init(limit: Int) { self.limit = limit }

    /// Parses one raw header line ("Name: value\r\n") at the byte level: this runs for every
    /// header of every response, and Foundation's trimming was most of the client's CPU time.
    func appendHeaderLine(_ bytes: UnsafeBufferPointer<UInt8>) {
        var end = bytes.count
        while end > 0, Self.isSpace(bytes[end - 1]) { end -= 1 }
        guard end > 0 else { return }
        if end >= 5, bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"), bytes[2] == UInt8(ascii: "T"),
           bytes[3] == UInt8(ascii: "P"), bytes[4] == UInt8(ascii: "/") {
            // A new response begins (after 100 Continue, say): forget the previous headers.
            headers.removeAll()
            return
        }
        guard let colon = bytes[..<end].firstIndex(of: UInt8(ascii: ":")) else { return }
        var nameEnd = colon
        while nameEnd > 0, Self.isSpace(bytes[nameEnd - 1]) { nameEnd -= 1 }
        var valueStart = colon + 1
        while valueStart < end, Self.isSpace(bytes[valueStart]) { valueStart += 1 }
        let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<nameEnd]), as: UTF8.self)
        let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[valueStart..<end]), as: UTF8.self)
        headers.append((name, value))
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0d || byte == 0x0a }
}

private let curlWriteBody: edge_curl_data_cb = { pointer, size, count, context in
    guard let pointer, let context else { return 0 }
    let accumulator = Unmanaged<ResponseAccumulator>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard accumulator.body.count + length <= accumulator.limit else {
        accumulator.overflowed = true
        return 0
    }
    pointer.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
        accumulator.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: length))
    }
    return length
}

private let curlWriteHeader: edge_curl_data_cb = { pointer, size, count, context in
    guard let pointer, let context else { return 0 }
    let accumulator = Unmanaged<ResponseAccumulator>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    pointer.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
        accumulator.appendHeaderLine(UnsafeBufferPointer(start: bytes, count: length))
    }
    return length
}
