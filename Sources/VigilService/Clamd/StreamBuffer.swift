import VigilSystem

/// The bytes of one INSTREAM: in memory while small, then in an anonymous temporary file (`O_TMPFILE`, gone when
/// closed), so many large streams at once cost disk, not memory.
final class StreamBuffer: @unchecked Sendable {
    /// Streams up to this size stay in memory.
    static let memoryLimit = 1 << 20

    private var memory: [UInt8] = []
    private var file: FileDescriptor?
    private let temporaryDirectory: String
    /// Bytes received.
    private(set) var count = 0

    init(temporaryDirectory: String) { self.temporaryDirectory = temporaryDirectory }

    deinit { file?.close() }

    /// Appends bytes; returns the error if the temporary file could not be written.
    func append(_ bytes: UnsafeRawBufferPointer) -> Errno? {
        count += bytes.count
        if file == nil && memory.count + bytes.count <= Self.memoryLimit {
            memory.append(contentsOf: bytes)
            return nil
        }
        if file == nil {
            switch FileDescriptor.anonymousTemporaryFile(in: temporaryDirectory) {
            case .success(let f): file = f
            case .failure(let e): return e
            }
            let spilled = memory.withUnsafeBytes { file!.writeAll($0) }
            memory = []
            if case .failure(let e) = spilled { return e }
        }
        if case .failure(let e) = file!.writeAll(bytes) { return e }
        return nil
    }

    /// Calls `body` with the whole stream (the temporary file mapped read-only).
    func withContents<R>(_ body: (UnsafeRawBufferPointer) -> R) -> Result<R, Errno> {
        guard let file else { return .success(memory.withUnsafeBytes(body)) }
        return MappedFile.map(file, length: count).map { mapped in withExtendedLifetime(mapped) { body(mapped.bytes) } }
    }
}
