import VigilSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A POSIX extended regular expression, as clamscan's `--exclude` and `--exclude-dir` take them.
public final class PathPattern: @unchecked Sendable {
    /// The source text.
    public let source: String
    private var regex = regex_t()

    /// Compiles `source`; throws a ``ScanError`` naming the pattern and the regex library's reason.
    public init(_ source: String) throws(ScanError) {
        self.source = source
        let status = regcomp(&regex, source, REG_EXTENDED | REG_NOSUB)
        guard status == 0 else {
            var buffer = [CChar](repeating: 0, count: 256)
            regerror(status, &regex, &buffer, buffer.count)
            let reason = String(
                decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ScanError(message: "invalid regular expression '\(source)': \(reason)")
        }
    }

    deinit { regfree(&regex) }

    /// Whether the pattern matches anywhere in `path`. `regexec` reads the compiled pattern only.
    public func matches(_ path: FilePath) -> Bool { path.withCString { regexec(&regex, $0, 0, nil, 0) == 0 } }
}

/// An error that stops a scan before it starts (bad options, unreadable database).
public struct ScanError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
