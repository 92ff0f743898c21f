import CCurl

/// Owner of one libcurl easy handle. The handle keeps its connection cache between
/// transfers (`curl_easy_reset` does not drop live connections), so pooling handles gives
/// connection reuse. Used by one transfer at a time (the pool guarantees it).
final class CurlEasyHandle: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
    var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

    init() throws(TransportFailure) {
        CurlGlobal.ensureInitialized()
        guard let raw = curl_easy_init() else { throw TransportFailure.setup("curl_easy_init returned NULL") }
        self.raw = raw
    }

    deinit { curl_easy_cleanup(raw) }

    func reset() {
        curl_easy_reset(raw)
        for index in errorBuffer.indices { errorBuffer[index] = 0 }
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

    func infoLong(_ info: CURLINFO) -> Int {
        var value = 0
        _ = edge_curl_getinfo_long(raw, info, &value)
        return value
    }

    var lastErrorText: String {
        String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
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
