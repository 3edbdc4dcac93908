/// A path as the kernel sees it: bytes, without a NUL, in whatever encoding its names were created with. A name
/// that is not UTF-8 (Latin-1 from an old archive, say) is still a file to scan and to report by its real name, so
/// paths stay bytes from the directory listing to the reply; ``description`` is for people and may not round-trip.
public struct FilePath: Hashable, Comparable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The path's bytes, never containing a NUL.
    public private(set) var bytes: [UInt8]

    /// The path spelled by `string`, in UTF-8.
    public init(_ string: String) { self.init(bytes: string.utf8) }

    /// The path spelled by `bytes`, up to the first NUL if there is one (as the kernel reads a C string).
    public init(bytes: some Sequence<UInt8>) { self.bytes = Array(bytes.prefix { $0 != 0 }) }

    /// A path from a string literal.
    public init(stringLiteral value: String) { self.init(value) }

    /// The path as text: UTF-8, with each byte that is not valid UTF-8 shown as U+FFFD.
    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// The path of `name` inside this directory: one `/` between them.
    public func appending(_ name: FilePath) -> FilePath {
        var joined = self
        if joined.bytes.last != UInt8(ascii: "/") { joined.bytes.append(UInt8(ascii: "/")) }
        joined.bytes += name.bytes
        return joined
    }

    /// The path without trailing slashes, keeping a lone `/`.
    public var trimmingTrailingSlashes: FilePath {
        var trimmed = self
        while trimmed.bytes.count > 1 && trimmed.bytes.last == UInt8(ascii: "/") { trimmed.bytes.removeLast() }
        return trimmed
    }

    /// Byte order, as `strcmp` sorts.
    public static func < (lhs: FilePath, rhs: FilePath) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    /// Calls `body` with the path as a NUL-terminated C string.
    public func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        try (bytes + [0]).withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }
}
