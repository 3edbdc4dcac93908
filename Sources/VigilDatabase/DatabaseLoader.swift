/// Finds, reads and compiles signature databases: the `-d` paths, `$VIGIL_DATABASE`, `/var/lib/vigil`, or the
/// built-in set, in that order (DESIGN.md's CLI contract).
import Crypto
import VigilEngine
import VigilSignatures
import VigilSystem

/// A database that cannot be loaded: an unreadable path, or a malformed signature line.
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable {
        let rawValue: String
        /// A path could not be read.
        public static let io = Code(rawValue: "io")
        /// A signature file is malformed.
        public static let malformed = Code(rawValue: "malformed")
        /// A path holds no signature files Vigil knows.
        public static let empty = Code(rawValue: "empty")
    }

    /// The kind of failure.
    public var code: Code
    /// A sentence naming the path (and line) at fault.
    public var message: String
    /// The signature diagnostic, for malformed text.
    public var signatureError: SignatureError?

    /// A malformed-text error; a diagnostic without its line gets it from the file, for the caret excerpt.
    init(_ error: SignatureError) {
        var error = error
        if error.excerpt == nil, error.location.column != nil,
            case .success(let content) = readWholeFile(error.location.file)
        {
            let lines = content.bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            if error.location.line >= 1, error.location.line <= lines.count {
                error.excerpt = String(decoding: lines[error.location.line - 1], as: UTF8.self)
            }
        }
        self.init(code: .malformed, message: error.description, signatureError: error)
    }

    init(code: Code, message: String, signatureError: SignatureError? = nil) {
        self.code = code
        self.message = message
        self.signatureError = signatureError
    }

    /// `FILE:LINE: what is wrong`, or the path and the system's reason.
    public var description: String { signatureError?.renderedWithExcerpt ?? message }
}

/// Where the signatures came from and what they compiled to.
public struct LoadedDatabase: Sendable {
    /// The compiled engine.
    public var engine: Engine
    /// The signature files read, in load order (empty for the built-in set).
    public var files: [String]
    /// The newest modification time among `files` (seconds since the epoch); `nil` for the built-in set.
    public var newestModification: Int?
    /// Whether this is the built-in set.
    public var isBuiltin: Bool
    /// Skipped signatures and files, each a line for the user.
    public var warnings: [String]
    /// The ClamAV containers (`.cvd`, `.cld`, `.cud`) among `files`, with their versions after updates.
    public var containers: [LoadedContainer]
}

/// Loads signature databases.
public enum DatabaseLoader {
    /// The system database directory searched when neither `-d` nor `$VIGIL_DATABASE` is given.
    public static let systemDirectory = "/var/lib/vigil"

    /// The paths to load: `explicit` if any, else `$VIGIL_DATABASE`, else ``systemDirectory`` if it exists;
    /// empty means the built-in set.
    public static func defaultPaths(explicit: [String], environment: String? = environmentValue("VIGIL_DATABASE"))
        -> [String]
    {
        if !explicit.isEmpty { return explicit }
        if let environment, !environment.isEmpty { return [environment] }
        if case .success(let status) = fileStatus(systemDirectory, followLinks: true), status.kind == .directory {
            return [systemDirectory]
        }
        return []
    }

    /// Loads `paths` (files or directories); with no paths, the built-in set. PUA signature files (`.hdu`,
    /// `.ndu`, ...) load only with `detectPUA`, as clamscan's `--detect-pua`.
    ///
    /// Ignore lists (`.ign`, `.ign2`) apply as clamscan applies them: to every signature of the same path
    /// (a directory's lists to all of its files, containers included) and of the paths after it.
    ///
    /// A compiled database (`.vdb`) is mapped as it is; it must then be the only path.
    ///
    /// YARA rule files (`.yar`, `.yara`) compile each into its own namespace, named after the file; their
    /// conditions may read `externals` (`--define`).
    public static func load(
        _ paths: [String], detectPUA: Bool = false, externals: [(name: String, value: YaraValue)] = []
    )
        throws(DatabaseError) -> LoadedDatabase
    {
        guard !paths.isEmpty else {
            return LoadedDatabase(
                engine: Engine(SignatureSet(), builtins: true), files: [], newestModification: nil,
                isBuiltin: true, warnings: [], containers: [])
        }
        if let compiled = paths.first(where: CompiledDatabase.isCompiled) {
            guard paths.count == 1 else {
                throw DatabaseError(
                    code: .io,
                    message: "\(compiled): a compiled database holds a whole database; give it as the only -d path")
            }
            return try CompiledDatabase.load(compiled)
        }
        let source = try loadSignatures(paths, detectPUA: detectPUA)
        var yara: YaraRules?
        if !source.yara.isEmpty {
            var compiler = YaraCompiler(externals: externals)
            do throws(SignatureError) {
                for (namespace, rules) in source.yara { try compiler.add(rules, namespace: namespace) }
            } catch {
                throw DatabaseError(error)
            }
            yara = compiler.finish()
        }
        let engine = Engine(source.signatures, yara: yara)
        return LoadedDatabase(
            engine: engine, files: source.files, newestModification: source.newestModification, isBuiltin: false,
            warnings: source.warnings + engine.skipped + (yara?.warnings.map { "\($0); warning" } ?? []),
            containers: source.containers)
    }

    /// Signatures read from text, before compiling.
    public struct SourceSignatures: Sendable {
        /// The parsed signatures.
        public var signatures: SignatureSet
        /// The signature files read, in load order.
        public var files: [String]
        /// The newest modification time among `files`.
        public var newestModification: Int?
        /// Skipped signatures and files.
        public var warnings: [String]
        /// The ClamAV containers among `files`.
        public var containers: [LoadedContainer]
        /// Parsed YARA rule files, each with its namespace (the file's name without its extension).
        public var yara: [(namespace: String, source: YaraSource)]
    }

    /// Reads and parses the signature files at `paths` (see ``load(_:detectPUA:)``) without compiling them.
    public static func loadSignatures(_ paths: [String], detectPUA: Bool = false) throws(DatabaseError)
        -> SourceSignatures
    {
        var warnings: [String] = []
        var set = SignatureSet()
        var newest = 0
        var read: [String] = []
        var containers: [LoadedContainer] = []
        var ignoring = IgnoreList { Array(Insecure.MD5.hash(data: Array($0))) }
        var yara: [(namespace: String, source: YaraSource)] = []

        /// Whether Vigil loads files of `kind`; if not, a warning names the file.
        func isLoaded(_ kind: SignatureFileKind, _ name: String) -> Bool {
            if kind.isPotentiallyUnwanted && !detectPUA { return false }
            guard kind.isSupported else {
                warnings.append("\(name): \(kind.rawValue) files are not supported yet; file skipped")
                return false
            }
            return true
        }

        /// A loose file's bytes, read when it is parsed so that one file at a time is held in memory.
        func contents(of path: String) throws(DatabaseError) -> [UInt8] {
            switch readWholeFile(path) {
            case .success(let content):
                newest = max(newest, content.status.modificationTime)
                return content.bytes
            case .failure(let e): throw DatabaseError(code: .io, message: "\(path): \(e)")
            }
        }

        for path in paths {
            // Members of containers come with their bytes; loose files (nil) are read when parsed.
            var units: [(name: String, kind: SignatureFileKind, bytes: [UInt8]?)] = []
            for file in try signatureFiles(at: path, warnings: &warnings) {
                guard let kind = file.kind else {
                    throw DatabaseError(code: .io, message: "\(file.path): not a signature file (unknown extension)")
                }
                if CVDArchive.Kind(path: file.path) != nil {
                    let loaded = try loadContainer(file, warnings: &warnings)
                    units += loaded.members.filter { isLoaded($0.kind, $0.name) }.map { ($0.name, $0.kind, $0.bytes) }
                    newest = max(newest, loaded.newestModification)
                    containers.append(loaded.container)
                } else {
                    guard isLoaded(kind, file.path) else { continue }
                    units.append((file.path, kind, nil))
                }
                read.append(file.path)
            }
            // Ignore lists first: they apply to every signature of the same path.
            for unit in units.filter({ $0.kind.base == .ign }) + units.filter({ $0.kind.base != .ign }) {
                let bytes: [UInt8]
                if let held = unit.bytes { bytes = held } else { bytes = try contents(of: unit.name) }
                do throws(SignatureError) {
                    if unit.kind.base == .ign {
                        try ignoring.add(bytes, file: unit.name)
                        continue
                    }
                    if unit.kind.base == .yar {
                        yara.append(
                            (
                                namespace(of: unit.name),
                                try YaraParser.parse(bytes, file: unit.name) { path in
                                    readWholeFile(path).map { $0.bytes }.mapError { .init(reason: "\($0)") }
                                }
                            ))
                        continue
                    }
                    let parsed = try SignatureSet.parse(
                        bytes, kind: unit.kind, file: unit.name,
                        ignoring: ignoring.isEmpty ? nil : ignoring)
                    warnings += parsed.skipped.map { "\($0); signature skipped" }
                    set.merge(parsed)
                } catch {
                    throw DatabaseError(error)
                }
            }
        }
        return SourceSignatures(
            signatures: set, files: read, newestModification: read.isEmpty ? nil : newest,
            warnings: warnings, containers: containers, yara: yara)
    }

    /// A YARA file's namespace: its name without directories and extension.
    static func namespace(of path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot > name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// The signature files at a path: the file itself, or a directory's files with a signature extension
    /// (sorted by name, as clamscan loads them; other files in a database directory are ignored). In a directory,
    /// one of `NAME.cvd` and `NAME.cld` is chosen as clamscan chooses, and `NAME-N.cdiff` updates are attached to
    /// their container.
    static func signatureFiles(at path: String, warnings: inout [String]) throws(DatabaseError) -> [DatabaseFile] {
        let status: FileStatus
        switch fileStatus(path, followLinks: true) {
        case .success(let s): status = s
        case .failure(let e): throw DatabaseError(code: .io, message: "\(path): \(e)")
        }
        guard status.kind == .directory else { return [DatabaseFile(path: path, kind: SignatureFileKind(path: path))] }
        let entries: [DirectoryEntry]
        switch FileDescriptor.openDirectory(path).flatMap(listDirectory) {
        case .success(let e): entries = e
        case .failure(let e): throw DatabaseError(code: .io, message: "\(path): \(e)")
        }
        let prefix = path.hasSuffix("/") ? path : path + "/"
        let names = entries.map(\.name.description).sorted()
        let found = names.compactMap { name -> DatabaseFile? in
            guard let kind = SignatureFileKind(path: name) else { return nil }
            return DatabaseFile(path: prefix + name, kind: kind)
        }
        guard !found.isEmpty else {
            throw DatabaseError(code: .empty, message: "\(path): no signature files found in this directory")
        }
        return selectContainers(found, names: names, prefix: prefix, warnings: &warnings)
    }
}
