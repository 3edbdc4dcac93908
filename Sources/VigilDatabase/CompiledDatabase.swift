import VigilEngine
import VigilSignatures
import VigilSystem

/// Compiled databases (`.vdb`, docs/VDB.md): written by `vigil db compile`, mapped read-only by
/// `vigil scan -d FILE.vdb`. Loading one checks its header and checksum, maps it, and does no work per
/// signature.
public enum CompiledDatabase {
    /// The file name extension of a compiled database.
    public static let fileExtension = ".vdb"

    /// Whether `path` names a compiled database (by its extension).
    public static func isCompiled(_ path: String) -> Bool { path.hasSuffix(fileExtension) }

    /// What a compilation wrote.
    public struct CompileResult: Sendable {
        /// How many signatures the database holds.
        public var signatureCount: Int
        /// The file's size in bytes.
        public var size: Int
        /// The signature files read.
        public var files: [String]
        /// Skipped signatures and files, each a line for the user.
        public var warnings: [String]
    }

    /// Reads the signatures at `paths` as ``DatabaseLoader/load(_:detectPUA:)`` does and writes them compiled
    /// to `output`, replacing it only once the new file is complete (a failed compile leaves the old one).
    /// `note` lines (who compiled it, when) are kept for `vigil db info`.
    public static func compile(_ paths: [String], detectPUA: Bool, to output: String, note: [String])
        throws(DatabaseError) -> CompileResult
    {
        guard !paths.isEmpty else { throw DatabaseError(code: .empty, message: "no signature paths to compile") }
        if let compiled = paths.first(where: isCompiled) {
            throw DatabaseError(
                code: .io, message: "\(compiled): already compiled; give the signature files it came from")
        }
        let source = try DatabaseLoader.loadSignatures(paths, detectPUA: detectPUA)
        if let yara = source.files.first(where: { [.yar, .yara].contains(SignatureFileKind(path: $0)) }) {
            throw DatabaseError(
                code: .io, message: "\(yara): YARA rules are not stored in a compiled database yet; give them with -d")
        }
        var provenance = note
        if detectPUA { provenance.append("options: --detect-pua") }
        provenance += source.files.map { "source: \($0)" }
        provenance += source.containers.map { container in
            let h = container.header
            return
                "container: \(container.path) version \(h.version), \(h.signatureCount) signatures, built \(h.buildTime)"
                + (container.updates.isEmpty ? "" : ", updated by \(container.updates.count) .cdiff")
        }
        let (image, skipped) = Engine.compile(source.signatures, builtins: false, provenance: provenance)
        let partial = output + ".partial"
        let written = FileDescriptor.create(partial).flatMap { fd in
            defer { fd.close() }
            return fd.writeAll(image.bytes).flatMap { fd.synchronize() }
        }.flatMap { renameFile(partial, to: output) }
        if case .failure(let e) = written {
            removeFile(partial)
            throw DatabaseError(code: .io, message: "\(output): \(e)")
        }
        let header = try? ImageHeader(image.bytes, fileLength: image.bytes.count)
        return CompileResult(
            signatureCount: header?.signatureCount ?? 0, size: image.bytes.count, files: source.files,
            warnings: source.warnings + skipped)
    }

    /// A compiled database's header and the engine over it, for `vigil db info`.
    public static func inspect(_ path: String) throws(DatabaseError) -> (header: ImageHeader, engine: Engine) {
        let (header, engine, _) = try open(path)
        return (header, engine)
    }

    /// Maps a compiled database as the scan's database.
    static func load(_ path: String) throws(DatabaseError) -> LoadedDatabase {
        let (_, engine, status) = try open(path)
        return LoadedDatabase(
            engine: engine, files: [path], newestModification: status.modificationTime,
            isBuiltin: false, warnings: [], containers: [])
    }

    /// The size of the chunks the checksum is computed over: read into one buffer rather than through the
    /// mapping, so that checking the whole file does not make every page of it resident.
    private static let checksumChunk = 1 << 20

    private static func open(_ path: String) throws(DatabaseError) -> (ImageHeader, Engine, FileStatus) {
        func fail(_ message: String) -> DatabaseError {
            DatabaseError(code: .malformed, message: "\(path): \(message)")
        }
        func failIO(_ e: Errno) -> DatabaseError { DatabaseError(code: .io, message: "\(path): \(e)") }
        let fd: FileDescriptor
        switch FileDescriptor.openForReading(path) {
        case .success(let d): fd = d
        case .failure(let e): throw failIO(e)
        }
        defer { fd.close() }
        let status: FileStatus
        switch fd.status() {
        case .success(let s): status = s
        case .failure(let e): throw failIO(e)
        }
        guard status.kind == .regular else { throw fail("not a regular file") }
        var buffer = [UInt8](repeating: 0, count: checksumChunk)
        let header: ImageHeader
        do throws(ImageError) {
            let n = try readFully(fd, into: &buffer, at: 0, count: min(64, status.size), path: path)
            header = try buffer.withUnsafeBytes { bytes in
                Result { () throws(ImageError) in
                    try ImageHeader(UnsafeRawBufferPointer(rebasing: bytes[..<n]), fileLength: status.size)
                }
            }.get()
            var sum = ImageChecksum()
            var offset = ImageChecksum.start
            while offset < status.size {
                let n = try readFully(
                    fd, into: &buffer, at: offset, count: min(checksumChunk, status.size - offset),
                    path: path)
                buffer.withUnsafeBytes { sum.add(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
                offset += n
            }
            guard sum.value == header.checksum else {
                throw ImageError("checksum mismatch: the file is damaged; compile it again with 'vigil db compile'")
            }
        } catch {
            throw fail(error.message)
        }
        let mapped: MappedFile
        switch MappedFile.map(fd, length: status.size) {
        case .success(let m): mapped = m
        case .failure(let e): throw failIO(e)
        }
        let storage = ImageStorage(bytes: mapped.bytes) { _ in withExtendedLifetime(mapped) {} }
        do throws(ImageError) {
            return (header, try Engine(image: storage), status)
        } catch {
            throw fail(error.message)
        }
    }

    /// Reads exactly `count` bytes at `offset` (the file must not shrink while it is read).
    private static func readFully(
        _ fd: FileDescriptor, into buffer: inout [UInt8], at offset: Int, count: Int,
        path: String
    ) throws(ImageError) -> Int {
        var done = 0
        while done < count {
            let result = buffer.withUnsafeMutableBytes {
                fd.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[done..<count]), at: offset + done)
            }
            switch result {
            case .success(0): throw ImageError("truncated while reading: the file shrank")
            case .success(let n): done += n
            case .failure(let e): throw ImageError("read failed: \(e)")
            }
        }
        return done
    }
}
