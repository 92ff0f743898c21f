import FoundationEssentials

/// The JSON that etcd's v3 gateway (`/v3/...`) speaks: proto3 JSON, so bytes are base64,
/// 64-bit numbers are strings and fields at their default value are left out.
enum EtcdWire {
    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    struct Header: Decodable {
        var revision: Int64

        enum CodingKeys: String, CodingKey { case revision }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            revision = try c.decodeIfPresent(Int64String.self, forKey: .revision)?.value ?? 0
        }
    }

    /// A proto3 int64, which the gateway writes as a string.
    struct Int64String: Decodable {
        var value: Int64
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let text = try? c.decode(String.self), let number = Int64(text) {
                value = number
            } else {
                value = try c.decode(Int64.self)
            }
        }
    }

    struct KeyValue: Decodable {
        var key: [UInt8]
        var value: [UInt8]
        var modRevision: Int64

        enum CodingKeys: String, CodingKey { case key, value, modRevision = "mod_revision" }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            key = try Self.bytes(c, .key)
            value = try Self.bytes(c, .value)
            modRevision = try c.decodeIfPresent(Int64String.self, forKey: .modRevision)?.value ?? 0
        }

        static func bytes(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [UInt8] {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return [] }
            guard let data = Data(base64Encoded: text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not base64")
            }
            return Array(data)
        }
    }

    struct RangeRequest: Encodable {
        var key: String
        var rangeEnd: String?
        var limit: Int64?
        var revision: String?
        var minModRevision: String?
        var sortOrder: String?
        var sortTarget: String?
        /// Keys and revisions only, no values.
        var keysOnly: Bool?

        enum CodingKeys: String, CodingKey {
            case key, rangeEnd = "range_end", limit, revision, minModRevision = "min_mod_revision", sortOrder = "sort_order", sortTarget = "sort_target"
            case keysOnly = "keys_only"
        }
    }

    struct RangeResponse: Decodable {
        var header: Header
        var kvs: [KeyValue]
        var more: Bool

        enum CodingKeys: String, CodingKey { case header, kvs, more }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            header = try c.decode(Header.self, forKey: .header)
            kvs = try c.decodeIfPresent([KeyValue].self, forKey: .kvs) ?? []
            more = try c.decodeIfPresent(Bool.self, forKey: .more) ?? false
        }
    }

    struct PutRequest: Encodable {
        var key: String
        var value: String
        var lease: String?
    }

    struct DeleteRequest: Encodable {
        var key: String
        var rangeEnd: String?
        enum CodingKeys: String, CodingKey { case key, rangeEnd = "range_end" }
    }

    struct Compare: Encodable {
        var key: String
        var target: String
        var result = "EQUAL"
        var modRevision: String?
        var createRevision: String?

        enum CodingKeys: String, CodingKey { case key, target, result, modRevision = "mod_revision", createRevision = "create_revision" }
    }

    struct RequestOp: Encodable {
        var requestPut: PutRequest?
        var requestDeleteRange: DeleteRequest?
        var requestRange: RangeRequest?
        enum CodingKeys: String, CodingKey { case requestPut = "request_put", requestDeleteRange = "request_delete_range", requestRange = "request_range" }
    }

    struct ResponseOp: Decodable {
        var responseRange: RangeResponse?
        enum CodingKeys: String, CodingKey { case responseRange = "response_range" }
    }

    struct TxnRequest: Encodable {
        var compare: [Compare]
        var success: [RequestOp]
    }

    struct TxnResponse: Decodable {
        var header: Header
        var succeeded: Bool
        var responses: [ResponseOp]
        enum CodingKeys: String, CodingKey { case header, succeeded, responses }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            header = try c.decode(Header.self, forKey: .header)
            succeeded = try c.decodeIfPresent(Bool.self, forKey: .succeeded) ?? false
            responses = try c.decodeIfPresent([ResponseOp].self, forKey: .responses) ?? []
        }
    }

    struct HeaderOnly: Decodable {
        var header: Header?
    }

    struct LeaseGrantRequest: Encodable {
        var TTL: Int64
    }

    struct LeaseGrantResponse: Decodable {
        var ID: Int64String
        var TTL: Int64String
    }

    struct LeaseID: Encodable {
        var ID: String
    }

    struct LeaseKeepAliveResponse: Decodable {
        struct Result: Decodable {
            var TTL: Int64String?
        }
        var result: Result?
    }

    struct AuthenticateRequest: Encodable {
        var name: String
        var password: String
    }

    struct AuthenticateResponse: Decodable {
        var token: String
    }

    struct ErrorBody: Decodable {
        var error: String?
        var message: String?
        var code: Int?
    }

    struct Empty: Codable {}

    struct UserAdd: Encodable {
        var name: String
        var password: String
    }

    struct Name: Encodable {
        var name: String
    }

    struct UserGrant: Encodable {
        var user: String
        var role: String
    }

    struct RoleGrant: Encodable {
        struct Permission: Encodable {
            var permType: String
            var key: String
            var rangeEnd: String?
            enum CodingKeys: String, CodingKey { case permType, key, rangeEnd = "range_end" }
        }
        var name: String
        var perm: Permission
    }

    struct StatusResponse: Decodable {
        var header: Header
        var dbSize: Int64String?
        var version: String?
    }
}
