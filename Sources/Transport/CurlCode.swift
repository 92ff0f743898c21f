import CCurl
import HTTPCore

/// Failures setting up libcurl (not failures of an exchange, which are `TransportError`).
enum TransportFailure: Error, CustomStringConvertible {
    case setup(String)
    var description: String {
        switch self {
        case .setup(let detail): "libcurl setup failed: \(detail)"
        }
    }
}

/// The one place libcurl's result codes become Swift errors.
enum CurlCode {
    static func check(_ code: CURLcode, _ operation: String) throws(TransportFailure) {
        guard code == CURLE_OK else {
            throw TransportFailure.setup("\(operation): \(String(cString: curl_easy_strerror(code)))")
        }
    }

    /// Maps the result of `curl_easy_perform` to a transport error kind (nil for success).
    static func transportError(_ code: CURLcode, detail: String, url: String) -> TransportError? {
        guard code != CURLE_OK else { return nil }
        let summary = String(cString: curl_easy_strerror(code))
        let text = detail.isEmpty ? summary : "\(summary): \(detail)"
        let kind: TransportError.Kind
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            kind = .timedOut
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            kind = .hostNotFound
        case CURLE_COULDNT_CONNECT, CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR,
             CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            kind = .connectionFailed
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE,
             CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_CRL_BADFILE, CURLE_SSL_INVALIDCERTSTATUS:
            kind = .tls
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_WEIRD_SERVER_REPLY:
            kind = .protocolError
        default:
            kind = .other
        }
        return TransportError(kind, text)
    }
}
