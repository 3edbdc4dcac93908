import VigilSystem

/// What the walker found at a path.
enum WalkEvent {
    /// A regular file to scan; `followLink` when the path may be a symbolic link to follow.
    case file(path: FilePath, followLink: Bool)
    /// A directory was entered.
    case directory
    /// Not scanned, for a reason clamscan prints without `-i` ("Symbolic link").
    case notice(path: FilePath, text: String)
    /// An error line (`PATH: REASON ERROR`).
    case error(path: FilePath, reason: String)
}

/// Walks files and directory trees with `openat` / `readdir` and `d_type` (no `stat` per entry where the file
/// system fills `d_type`), in name order so output is stable.
struct TreeWalker {
    var followSymlinks: Bool
    var exclude: [PathPattern]
    var excludeDirectories: [PathPattern]

    /// Walks one command-line path. Like clamscan, a link named on the command line is followed.
    func walk(_ path: FilePath, _ emit: (WalkEvent) -> Void) {
        let status: FileStatus
        switch fileStatus(path, followLinks: true) {
        case .success(let s): status = s
        case .failure(let e):
            emit(.error(path: path, reason: reason(for: e)))
            return
        }
        switch status.kind {
        case .directory:
            var ancestors: Set<[UInt64]> = []
            walkDirectory(path, identity: [status.device, status.inode], ancestors: &ancestors, emit)
        case .regular:
            if !isExcluded(path) { emit(.file(path: path, followLink: true)) }
        default:
            emit(.error(path: path, reason: "Not a regular file"))
        }
    }

    func isExcluded(_ path: FilePath) -> Bool { exclude.contains { $0.matches(path) } }

    /// Recursion is bounded by the tree's real depth; `ancestors` stops cycles through followed links.
    private func walkDirectory(
        _ path: FilePath, identity: [UInt64], ancestors: inout Set<[UInt64]>,
        _ emit: (WalkEvent) -> Void
    ) {
        guard !ancestors.contains(identity) else { return }
        let directory: FileDescriptor
        switch FileDescriptor.openDirectory(path) {
        case .success(let d): directory = d
        case .failure(let e):
            emit(.error(path: path, reason: reason(for: e)))
            return
        }
        let entries: [DirectoryEntry]
        switch listDirectory(directory) {
        case .success(let list): entries = list.sorted { $0.name < $1.name }
        case .failure(let e):
            emit(.error(path: path, reason: reason(for: e)))
            return
        }
        emit(.directory)
        ancestors.insert(identity)
        defer { ancestors.remove(identity) }
        for entry in entries {
            let child = path.appending(entry.name)
            var kind = entry.kind
            if kind == .unknown {
                switch fileStatus(child, followLinks: false) {
                case .success(let s): kind = s.kind
                case .failure(let e):
                    emit(.error(path: child, reason: reason(for: e)))
                    continue
                }
            }
            var followed = false
            var identityOfChild: [UInt64] = []
            if kind == .symbolicLink {
                guard followSymlinks else {
                    emit(.notice(path: child, text: "Symbolic link"))
                    continue
                }
                switch fileStatus(child, followLinks: true) {
                case .success(let s):
                    kind = s.kind
                    identityOfChild = [s.device, s.inode]
                    followed = true
                case .failure(let e):
                    emit(.error(path: child, reason: reason(for: e)))
                    continue
                }
            }
            switch kind {
            case .directory:
                if excludeDirectories.contains(where: { $0.matches(child) }) { continue }
                if identityOfChild.isEmpty, case .success(let s) = fileStatus(child, followLinks: false) {
                    identityOfChild = [s.device, s.inode]
                }
                walkDirectory(child, identity: identityOfChild, ancestors: &ancestors, emit)
            case .regular:
                if !isExcluded(child) { emit(.file(path: child, followLink: followed)) }
            default:
                emit(.error(path: child, reason: "Not a regular file"))
            }
        }
    }
}

/// The reason printed for a failed system call, in clamscan's words where it has its own.
func reason(for error: Errno) -> String {
    error == .accessDenied ? "Access denied" : error.description
}
