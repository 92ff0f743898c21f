import CCurl

/// Owner of one libcurl easy handle. The handle keeps its connection cache between
/// transfers (`curl_easy_reset` does not drop live connections), so pooling handles gives
/// connection reuse. Used by one transfer at a time (the pool guarantees it).
final class CurlEasyHandle: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
    /// libcurl writes a transfer's error text here (CURLOPT_ERRORBUFFER): memory that stays
    /// put for the handle's life, since a transfer on the multi loop outlives any closure.
    let errorBuffer: UnsafeMutablePointer<CChar>
    static let errorBufferSize = Int(CURL_ERROR_SIZE) + 1

    init() throws(TransportFailure) {
        CurlGlobal.ensureInitialized()
        guard let raw = curl_easy_init() else { throw TransportFailure.setup("curl_easy_init returned NULL") }
        self.raw = raw
        errorBuffer = .allocate(capacity: Self.errorBufferSize)
        errorBuffer.initialize(repeating: 0, count: Self.errorBufferSize)
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    /// Back to defaults for the next transfer; live connections stay in the cache.
    func reset() throws(TransportFailure) {
        curl_easy_reset(raw)
        errorBuffer.update(repeating: 0, count: Self.errorBufferSize)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
    }

    func set(_ option: CURLoption, _ value: Int) throws(TransportFailure) {
        try CurlCode.check(edge_curl_setopt_long(raw, option, value), "setting option \(option.rawValue)")
    }

    func set(_ option: CURLoption, _ value: String) throws(TransportFailure) {
        // libcurl copies string options (since 7.17), so a temporary C string is enough.
        let code = value.withCString { edge_curl_setopt_string(raw, option, $0) }
        try CurlCode.check(code, "setting option \(option.rawValue)")
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(TransportFailure) {
        try CurlCode.check(edge_curl_setopt_pointer(raw, option, pointer), "setting option \(option.rawValue)")
    }

    func set(_ option: CURLoption, list: CurlStringList) throws(TransportFailure) {
        try CurlCode.check(edge_curl_setopt_slist(raw, option, list.head), "setting option \(option.rawValue)")
    }

    func set(_ option: CURLoption, callback: edge_curl_data_cb) throws(TransportFailure) {
        try CurlCode.check(edge_curl_setopt_datacb(raw, option, callback), "setting option \(option.rawValue)")
    }

    func set(_ option: CURLoption, blob: [UInt8]) throws(TransportFailure) {
        let code = blob.withUnsafeBytes { edge_curl_setopt_blob(raw, option, $0.baseAddress, $0.count) }
        try CurlCode.check(code, "setting option \(option.rawValue)")
    }

    func infoLong(_ info: CURLINFO) -> Int {
        var value = 0
        _ = edge_curl_getinfo_long(raw, info, &value)
        return value
    }

    var lastErrorText: String { String(cString: errorBuffer) }
}

/// Owner of a `curl_slist` (request headers), freed in `deinit`.
final class CurlStringList {
    private(set) var head: UnsafeMutablePointer<curl_slist>?

    init(_ lines: [String]) {
        for line in lines { head = curl_slist_append(head, line) }
    }

    deinit { curl_slist_free_all(head) }
}

enum CurlGlobal {
    /// `curl_global_init` is not thread-safe; a static let runs it exactly once.
    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    static func ensureInitialized() { _ = initialized }
}
