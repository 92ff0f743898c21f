/// An S3 access key: its id (not secret, it names the key) and its secret, which never
/// appears in a description, an error or a log line.
public struct S3Credentials: Sendable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String

    public init(accessKeyID: String, secretAccessKey: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }

    public var description: String { "S3 access key \(accessKeyID.printable)" }
}
