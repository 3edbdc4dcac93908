import VigilSystem

/// The bytes of one INSTREAM: in memory while small, then in an anonymous temporary file (`O_TMPFILE`, gone when
/// closed), so many large streams at once cost disk, not memory.
final class StreamBuffer: @unchecked Sendable {
    /// Streams up to this size stay in memory.
    static let memoryLimit = 1 << 20

    /// Memory of finished streams, which the next ones fill: its pages are already mapped. A buffer grown
    /// afresh costs, on the I/O thread, a page fault and the kernel zeroing a page for every 4 KiB of it and
    /// the copies as it doubles: for a 1 MiB stream about a fifth of the time it takes to serve.
    private static let spares = Locked<[[UInt8]]>([])
    /// The most buffers kept (each holds at most about twice ``memoryLimit``).
    static let spareLimit = 8
    /// Smaller buffers are not kept: `malloc` reuses its own memory for them.
    static let spareMinimum = 64 << 10

    private var memory: [UInt8] = []
    private var file: FileDescriptor?
    private let temporaryDirectory: String
    /// Bytes received.
    private(set) var count = 0

    init(temporaryDirectory: String) { self.temporaryDirectory = temporaryDirectory }

    deinit { discard() }

    /// Lets go of the bytes (the memory to the next stream, the file closed); the buffer is then empty.
    func discard() {
        file?.close()
        file = nil
        Self.recycle(&memory)
        count = 0
    }

    /// Appends bytes; returns the error if the temporary file could not be written.
    func append(_ bytes: UnsafeRawBufferPointer) -> Errno? {
        count += bytes.count
        if file == nil && memory.count + bytes.count <= Self.memoryLimit {
            if memory.count + bytes.count > memory.capacity, var spare = Self.spares.withLock({ $0.popLast() }) {
                spare.append(contentsOf: memory)
                swap(&memory, &spare)  // `memory` the only reference to the spare: no copy on the next append
            }
            memory.append(contentsOf: bytes)
            return nil
        }
        if file == nil {
            switch FileDescriptor.anonymousTemporaryFile(in: temporaryDirectory) {
            case .success(let f): file = f
            case .failure(let e): return e
            }
            let spilled = memory.withUnsafeBytes { file!.writeAll($0) }
            Self.recycle(&memory)
            if case .failure(let e) = spilled { return e }
        }
        if case .failure(let e) = file!.writeAll(bytes) { return e }
        return nil
    }

    /// Empties `buffer`, keeping its memory for another stream when it is worth it and there is room.
    private static func recycle(_ buffer: inout [UInt8]) {
        guard buffer.capacity >= spareMinimum else {
            buffer = []
            return
        }
        buffer.removeAll(keepingCapacity: true)
        let spare = buffer
        buffer = []
        spares.withLock { if $0.count < spareLimit { $0.append(spare) } }
    }

    /// Calls `body` with the whole stream (the temporary file mapped read-only).
    func withContents<R>(_ body: (UnsafeRawBufferPointer) -> R) -> Result<R, Errno> {
        guard let file else { return .success(memory.withUnsafeBytes(body)) }
        return MappedFile.map(file, length: count).map { mapped in withExtendedLifetime(mapped) { body(mapped.bytes) } }
    }
}
