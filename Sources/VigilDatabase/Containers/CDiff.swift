import VigilFormats
import VigilSystem

/// An incremental database update, `NAME-VERSION.cdiff`: it turns version `VERSION - 1` of `NAME.cvd`/`.cld`
/// into version `VERSION`. The file is the text `ClamAV-Diff:VERSION:SCRIPT_SIZE:`, a gzip stream of a script,
/// then `:` and Talos' RSA signature of the SHA-256 of everything before that colon (ClamAV's `cdiff.rs` and
/// `sigtool`'s `script2cdiff`).
///
/// The script is a line-oriented program over the container's member files:
///
/// ```
/// OPEN daily.ndb                 select a member (names: letters, digits, '.', '_')
/// ADD Sig.Name:0:*:414243        append a line when the member is closed
/// DEL 12 Old.Sig                 delete line 12, which must start with "Old.Sig"
/// XCHG 3 Old.Sig New.Sig:0:*:44  replace line 3, which must start with "Old.Sig"
/// CLOSE                          apply the member's edits (DEL/XCHG by line number), then its ADDs
/// MOVE a.ndb b.ndb 5 X 9 Y       move lines 5–9 of a.ndb (starting "X" … "Y") to the end of b.ndb
/// UNLINK old.ndb                 remove a member (no member open)
/// # comment
/// ```
///
/// The trailing signature is not verified: Vigil applies a `.cdiff` whose script is well-formed and whose
/// result matches the `.info` member it produces, but does not prove that Talos made it.
public struct CDiff: Sendable {
    /// The file the update was read from, as the user named it.
    public var path: String
    /// The version the update produces.
    public var version: Int
    /// The script's text.
    public var script: [UInt8]

    /// Creates an update from a script (for tests and tools; no checks).
    public init(path: String, version: Int, script: [UInt8]) {
        self.path = path
        self.version = version
        self.script = script
    }

    /// The database name and version in a `.cdiff` file name: `daily-27001.cdiff` → (`daily`, 27001).
    public static func nameAndVersion(fileName: String) -> (database: String, version: Int)? {
        guard fileName.hasSuffix(".cdiff") else { return nil }
        let stem = fileName.dropLast(".cdiff".count)
        guard let hyphen = stem.lastIndex(of: "-") else { return nil }
        let digits = stem[stem.index(after: hyphen)...]
        guard !digits.isEmpty, digits.count <= 18, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let version = Int(digits), hyphen > stem.startIndex
        else { return nil }
        return (String(stem[..<hyphen]), version)
    }

    /// Reads a `.cdiff` file.
    public static func read(_ path: String, maxScriptSize: Int = CVDArchive.Limits().maxScriptSize) throws(CVDError)
        -> CDiff
    {
        switch readWholeFile(path) {
        case .success(let file): return try parse(file.bytes, path: path, maxScriptSize: maxScriptSize)
        case .failure(let e): throw CVDError(.io, "cannot be read: \(e)", path: path)
        }
    }

    /// Parses a `.cdiff`: the header, the gzip'd script (at most `maxScriptSize` bytes once decompressed) and the
    /// `:SIGNATURE` trailer, which is kept out of the script and not verified.
    public static func parse(_ bytes: [UInt8], path: String, maxScriptSize: Int = CVDArchive.Limits().maxScriptSize)
        throws(CVDError) -> CDiff
    {
        let magic = Array("ClamAV-Diff:".utf8)
        guard bytes.starts(with: magic) else {
            throw CVDError(.header, "not a .cdiff file (it does not start with ClamAV-Diff:)", path: path)
        }
        // ClamAV looks for the header's third colon within its first 8 KiB.
        var fields: [ArraySlice<UInt8>] = []
        var fieldStart = magic.count
        var headerEnd: Int?
        for i in magic.count..<min(bytes.count, 8192 + magic.count) where bytes[i] == UInt8(ascii: ":") {
            fields.append(bytes[fieldStart..<i])
            fieldStart = i + 1
            if fields.count == 2 {
                headerEnd = i + 1
                break
            }
        }
        guard let headerEnd else {
            throw CVDError(.header, "the header has no ClamAV-Diff:VERSION:SIZE: fields", path: path)
        }
        func number(_ field: ArraySlice<UInt8>) -> Int? {
            guard !field.isEmpty, field.count <= 18, field.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return Int(String(decoding: field, as: UTF8.self))
        }
        guard let version = number(fields[0]) else {
            throw CVDError(
                .header, "the version field is not a number: \(String(decoding: fields[0], as: UTF8.self))", path: path)
        }
        guard number(fields[1]) != nil else {
            throw CVDError(
                .header, "the size field is not a number: \(String(decoding: fields[1], as: UTF8.self))", path: path)
        }
        let output: Inflate.Output
        do {
            output = try bytes.withUnsafeBytes { raw in
                Result { () throws(DecompressionError) in
                    try Inflate.decompress(
                        UnsafeRawBufferPointer(rebasing: raw[headerEnd...]), format: .gzip, maxOutputSize: maxScriptSize
                    )
                }
            }.get()
        } catch {
            throw CVDError(
                error.code == .outputLimitExceeded ? .limit : .compression, "the gzip'd script: \(error.message)",
                path: path)
        }
        let trailer = headerEnd + output.consumed
        guard trailer == bytes.count || bytes[trailer] == UInt8(ascii: ":") else {
            throw CVDError(.header, "unexpected bytes after the script (expected :SIGNATURE)", path: path)
        }
        return CDiff(path: path, version: version, script: output.bytes)
    }
}

extension CVDArchive {
    /// The container after an update: the update's script run on the members, the header taken from the new
    /// `.info` member (as freshclam builds a `.cld`), and the result checked like a freshly read container.
    ///
    /// - Throws: ``CVDError`` naming the `.cdiff` (and the script line, for a failing command): an update for
    ///   another version, a command that fails, or a result whose `.info` does not match. `self` is unchanged.
    public func applying(_ update: CDiff) throws(CVDError) -> CVDArchive {
        guard update.version == header.version + 1 else {
            throw CVDError(
                .version, "updates to version \(update.version), but \(path) is at version \(header.version)",
                path: update.path)
        }
        var result = CVDArchive(
            path: path, kind: .cld, header: header, members: try runningScript(update.script, path: update.path))
        guard let info = result.infoMember else {
            throw CVDError(.integrity, "the update leaves no .info member", path: update.path)
        }
        // freshclam's buildcld takes the first line of NAME.info (within 512 bytes) as the new header.
        let firstLine = info.bytes.prefix(CVDHeader.size)
        guard let newline = firstLine.firstIndex(of: UInt8(ascii: "\n")) else {
            throw CVDError(.integrity, "after the update, \(info.name) has no header line", path: update.path)
        }
        switch CVDHeader.parse(firstLine[..<newline]) {
        case .success(let h): result.header = h
        case .failure(let problem):
            throw CVDError(.integrity, "after the update, \(info.name): \(problem)", path: update.path)
        }
        guard result.header.version == update.version else {
            throw CVDError(
                .version, "after the update, \(info.name) says version \(result.header.version), not \(update.version)",
                path: update.path)
        }
        do {
            try result.validate()
        } catch {
            throw CVDError(error.code, "after the update: \(error.message)", path: update.path)
        }
        return result
    }

    /// The members after a `.cdiff` script, without ``applying(_:)``'s version and `.info` checks — what
    /// `sigtool --run-cdiff` does to a directory.
    ///
    /// - Parameter path: the script's name in errors.
    /// - Throws: ``CVDError`` with code ``CVDError/Code/script`` and the failing line.
    public func runningScript(_ script: [UInt8], path: String) throws(CVDError) -> [Member] {
        var runner = CDiffScript(members: members)
        do {
            try runner.run(script)
        } catch {
            throw CVDError(.script, error.message, path: path, line: error.line)
        }
        return runner.members
    }
}
