import Foundation

/// Builds the files tests scan, in a fresh temporary directory per test, removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    /// The directory's path.
    public let path: String

    /// Creates a new empty directory under the system's temporary directory.
    public init() throws {
        var template = Array((NSTemporaryDirectory() + "vigil-test-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` (creating intermediate directories) and returns the full path.
    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let full = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }

    /// Writes UTF-8 text.
    @discardableResult
    public func write(_ name: String, text: String) throws -> String { try write(name, Array(text.utf8)) }
}

/// Test content built at run time, so that no test file in the repository is itself a detection.
public enum TestContent {
    /// The 68-byte EICAR anti-virus test string, assembled from two halves.
    public static var eicar: [UInt8] {
        Array(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-"#.utf8) + Array("STANDARD-ANTIVIRUS-TEST-FILE!$H+H*".utf8)
    }

    /// Deterministic pseudo-random bytes.
    public static func noise(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }
}
