#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Writes to the process's standard output and error without Foundation's `FileHandle`
/// (the box tools link FoundationEssentials only). Standard output goes through C's `stdout`,
/// like `print`, so the two never reorder; standard error is written directly. Short writes
/// and EINTR are retried; a closed stream (EPIPE, with SIGPIPE ignored) ends the write quietly.
public enum StandardStreams {
    /// A message for a person: control characters but line breaks escaped (`terminalSafe`),
    /// and no password given inside an argument (`redactingCredentials`).
    public static func error(_ text: String) { write(2, Array(text.redactingCredentials.terminalSafe.utf8)) }
    /// Text for a person: control characters but line breaks escaped (`terminalSafe`).
    public static func output(_ text: String) { output(Array(text.terminalSafe.utf8)) }
    /// Bytes as they are (JSON, which `CanonicalJSON` already wrote safe).
    public static func output(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in _ = fwrite(buffer.baseAddress, 1, buffer.count, stdout) }
        fflush(stdout)
    }

    public static func write(_ descriptor: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
