import Basics
import Logging

/// The tools' log handler: swift-log's stream handler on stderr, with the message and every
/// metadata value `terminalSafe` and on one line (a box's reason, a registry's error or a
/// store's record in a log line cannot move the cursor, clear a screen or fake another line in
/// a terminal or the journal).
public struct TerminalSafeLogHandler: LogHandler {
    var inner: StreamLogHandler

    public static func standardError(label: String) -> TerminalSafeLogHandler {
        TerminalSafeLogHandler(inner: StreamLogHandler.standardError(label: label))
    }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let safe = metadata?.mapValues { Self.safe($0) }
        inner.log(level: level, message: Logger.Message(stringLiteral: message.description.printableText(limit: 4000)), metadata: safe,
                  source: source, file: file, function: function, line: line)
    }

    static func safe(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): .string(text.printableText(limit: 4000))
        case .stringConvertible(let convertible): .string(convertible.description.printableText(limit: 4000))
        case .array(let items): .array(items.map(safe))
        case .dictionary(let entries): .dictionary(entries.mapValues(safe))
        }
    }
}
