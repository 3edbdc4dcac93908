import VigilSignatures
import VigilSystem

/// A ClamAV database container that was loaded, with the updates applied to it in memory.
public struct LoadedContainer: Sendable {
    /// The `.cvd`, `.cld` or `.cud` file.
    public var path: String
    /// The header after the updates: the version, build time, signature count, functionality level and builder
    /// the scan ran with.
    public var header: CVDHeader
    /// The `.cdiff` files applied, in order.
    public var updates: [String]
}

/// A file `load` reads: a signature file, or a container with the `.cdiff` updates found beside it.
struct DatabaseFile {
    var path: String
    var kind: SignatureFileKind?
    var updates: [String] = []
}

extension DatabaseLoader {
    /// Member kinds that describe a container rather than hold signatures; clamscan reads them without comment
    /// (and so does Vigil, which uses `.info` to check the container).
    static let informationalKinds: Set<SignatureFileKind> = [.info, .cfg]

    /// In a database directory: keeps one of `NAME.cvd` and `NAME.cld` when both exist, and attaches the
    /// `NAME-N.cdiff` files to the container they update.
    ///
    /// The rule is clamscan's (`cli_cvdload`): the one with the higher version is loaded; at equal versions the
    /// `.cld` (what freshclam made from that `.cvd` plus updates). The other is named in a warning, as clamscan
    /// names it.
    static func selectContainers(_ files: [DatabaseFile], names: [String], prefix: String, warnings: inout [String])
        -> [DatabaseFile]
    {
        var files = files
        var dropped: Set<String> = []
        for file in files where CVDArchive.Kind(path: file.path) == .cvd {
            let cld = String(file.path.dropLast(4)) + ".cld"
            guard files.contains(where: { $0.path == cld }),
                let cvdHeader = containerHeader(file.path), let cldHeader = containerHeader(cld)
            else { continue }
            if cvdHeader.version > cldHeader.version {
                dropped.insert(cld)
                warnings.append(
                    "Detected duplicate databases \(cld) and \(file.path): \(cld) (version \(cldHeader.version)) is "
                        + "older and is not loaded; remove it from the database directory")
            } else {
                dropped.insert(file.path)
                warnings.append(
                    cvdHeader.version == cldHeader.version
                        ? "Detected duplicate databases \(file.path) and \(cld) (both version \(cvdHeader.version)): "
                            + "\(cld) is loaded; remove one of them"
                        : "Detected duplicate databases \(file.path) and \(cld): \(file.path) (version "
                            + "\(cvdHeader.version)) is older and is not loaded; remove it from the database directory")
            }
        }
        files.removeAll { dropped.contains($0.path) }

        let updates = names.compactMap { name in CDiff.nameAndVersion(fileName: name).map { (name, $0) } }
            .sorted { $0.1.version < $1.1.version }
        for (name, target) in updates {
            // NAME.cvd or NAME.cld (at most one is left), else NAME.cud.
            let candidates = files.indices.filter { index in
                let path = files[index].path
                return path.hasPrefix(prefix + target.database + ".")
                    && path.count == prefix.count + target.database.count + 4 && CVDArchive.Kind(path: path) != nil
            }
            guard
                let index = candidates.first(where: { CVDArchive.Kind(path: files[$0].path) != .cud })
                    ?? candidates.first
            else {
                warnings.append(
                    "\(prefix + name): no \(target.database).cvd or \(target.database).cld to update; file ignored")
                continue
            }
            files[index].updates.append(prefix + name)
        }
        return files
    }

    /// The header of a container file, reading only its first 512 bytes; `nil` if it cannot be read or parsed.
    static func containerHeader(_ path: String) -> CVDHeader? {
        guard case .success(let fd) = FileDescriptor.openForReading(path) else { return nil }
        defer { fd.close() }
        var buffer = [UInt8](repeating: 0, count: CVDHeader.size)
        var filled = 0
        while filled < buffer.count {
            let n = buffer.withUnsafeMutableBytes {
                fd.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...]))
            }
            guard case .success(let k) = n, k > 0 else { break }
            filled += k
        }
        guard filled == CVDHeader.size, case .success(let header) = CVDHeader.parse(buffer) else { return nil }
        return header
    }

    /// Reads a container, applies its updates in version order (in memory: the user's files are never changed),
    /// and returns the members to parse as signature files, named `CONTAINER[MEMBER]`.
    ///
    /// An update that fails — a bad command, the wrong version, a corrupt file — is named with its line in a
    /// warning, and the database stays at the last version that applied. Updates at or below the container's
    /// version are already in it and are passed over.
    static func loadContainer(_ file: DatabaseFile, warnings: inout [String]) throws(DatabaseError) -> (
        container: LoadedContainer, members: [(name: String, kind: SignatureFileKind, bytes: [UInt8])],
        newestModification: Int
    ) {
        guard let kind = CVDArchive.Kind(path: file.path) else {
            throw DatabaseError(code: .io, message: "\(file.path): not a .cvd, .cld or .cud file")
        }
        var archive: CVDArchive
        var newest: Int
        switch readWholeFile(file.path) {
        case .success(let read):
            newest = read.status.modificationTime
            do {
                archive = try CVDArchive.parse(read.bytes, kind: kind, path: file.path)
            } catch {
                throw DatabaseError(code: error.code == .io ? .io : .malformed, message: error.description)
            }
        case .failure(let e):
            throw DatabaseError(code: .io, message: "\(file.path): \(e)")
        }

        var applied: [String] = []
        for path in file.updates {
            let name = String(path[(path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex)...])
            if let version = CDiff.nameAndVersion(fileName: name)?.version, version <= archive.header.version {
                continue
            }
            do throws(CVDError) {
                switch readWholeFile(path) {
                case .success(let read):
                    archive = try archive.applying(CDiff.parse(read.bytes, path: path))
                    newest = max(newest, read.status.modificationTime)
                    applied.append(path)
                case .failure(let e):
                    throw CVDError(.io, "cannot be read: \(e)", path: path)
                }
            } catch {
                warnings.append(
                    "\(error); update not applied, \(file.path) stays at version \(archive.header.version)")
                break
            }
        }

        var members: [(name: String, kind: SignatureFileKind, bytes: [UInt8])] = []
        var unknown: [String: Int] = [:]
        for member in archive.members {
            guard let memberKind = SignatureFileKind(path: member.name) else {
                // COPYING is read silently, as clamscan does; other files are counted by extension, so that
                // bytecode.cvd's hundred .cbc files make one warning, not a hundred.
                if let dot = member.name.lastIndex(of: ".") { unknown[String(member.name[dot...]), default: 0] += 1 }
                continue
            }
            // The container's own description: .info is what Vigil checked it against.
            if informationalKinds.contains(memberKind) { continue }
            let memberName = "\(file.path)[\(member.name)]"
            guard CVDArchive.Kind(path: member.name) == nil else {
                warnings.append("\(memberName): a container inside a container is not loaded; file skipped")
                continue
            }
            members.append((memberName, memberKind, member.bytes))
        }
        for (ext, count) in unknown.sorted(by: { $0.key < $1.key }) {
            warnings.append(
                "\(file.path): \(count) \(ext) file\(count == 1 ? "" : "s") of a kind Vigil does not know; skipped")
        }
        let container = LoadedContainer(path: file.path, header: archive.header, updates: applied)
        return (container, members, newest)
    }
}
