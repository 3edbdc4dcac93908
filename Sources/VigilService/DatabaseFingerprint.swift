import VigilSystem

/// What identifies a database's files on disk: each file's path, size and modification time (clamd's SelfCheck
/// compares the same), so a change, an added file or a removed one is noticed.
enum DatabaseFingerprint {
    static func of(_ paths: [String]) -> [String] {
        var lines: [String] = []
        for path in paths {
            guard case .success(let status) = fileStatus(path, followLinks: true) else {
                lines.append("\(path) missing")
                continue
            }
            guard status.kind == .directory else {
                lines.append("\(path) \(status.size) \(status.modificationTime)")
                continue
            }
            guard case .success(let entries) = FileDescriptor.openDirectory(path).flatMap(listDirectory) else {
                continue
            }
            for entry in entries.sorted(by: { $0.name < $1.name }) {
                let file = FilePath(path).appending(entry.name)
                if case .success(let s) = fileStatus(file, followLinks: true) {
                    lines.append("\(file) \(s.size) \(s.modificationTime)")
                }
            }
        }
        return lines
    }
}
