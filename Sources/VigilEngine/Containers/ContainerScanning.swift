import VigilFormats

/// The state of one top-level file's scan as it descends into containers: the limits and what they allow
/// still, the chain of containers above the current object, and the detections so far.
struct ContainerContext {
    let limits: ScanLimits
    let allMatch: Bool
    let deadline: ContinuousClock.Instant
    /// Files scanned so far, the top-level one included (MaxFiles; clamscan counts it too).
    var files = 1
    /// Bytes scanned so far, the top-level file included (MaxScanSize).
    var scanned: Int
    /// The containers above the current object: their types and the names of the members leading down.
    var types: [FileType] = []
    var names: [String] = []
    /// Per object of the current chain (top-level first): its bytes, and whether its digest is allow-listed
    /// (computed when first needed).
    var buffers: [UnsafeRawBufferPointer] = []
    var allowListed: [Bool?] = []
    var found: [Detection] = []
    /// Set once a limit stopped the whole descent (MaxScanSize, MaxFiles, MaxScanTime).
    var stopped = false

    /// The context for scanning a top-level file of `size` bytes.
    init(limits: ScanLimits, allMatch: Bool, size: Int) {
        self.limits = limits
        scanned = size
        self.allMatch = allMatch
        deadline = ContinuousClock.now.advanced(by: limits.maxScanTime)
    }

    /// Whether the scan is over: something found without `--allmatch`, or a limit stopped it.
    var isOver: Bool { stopped || (!allMatch && !found.isEmpty) }
}

extension FileType {
    /// How libarchive reads a file of this type, if Vigil unpacks it.
    var containerKind: ArchiveReader.Kind? {
        switch self {
        case .gzip, .bzip2, .xz: .compressedStream
        case .zip, .sevenZip, .rar, .cab, .posixTar, .oldTar, .cpioOld, .cpioODC, .cpioNewc, .cpioCRC, .iso9660,
            .xar, .lhaLzh, .ooxmlWord, .ooxmlExcel, .ooxmlPowerPoint, .ooxmlHWP:
            .archive
        default: nil
        }
    }

    /// The heuristic an encrypted member of this container type raises with `--alert-encrypted`.
    var encryptedHeuristic: String {
        switch self {
        case .rar: "Heuristics.Encrypted.RAR"
        case .sevenZip: "Heuristics.Encrypted.7Zip"
        default: "Heuristics.Encrypted.Zip"
        }
    }
}

extension Scanner {
    /// Scans one object (the file, or a member at any depth): its own content first, then, if it is a
    /// container, each member in order, as clamscan does. Returns whether the scan is over.
    mutating func scanObject(_ data: UnsafeRawBufferPointer, _ context: inout ContainerContext) -> Bool {
        context.buffers.append(data)
        context.allowListed.append(nil)
        defer {
            context.buffers.removeLast()
            context.allowListed.removeLast()
        }
        let layout = FileLayout(data, parseExecutable: engine.usesExecutableLayout)
        for detection in detect(data, layout: layout, ancestors: context.types, allMatch: context.allMatch) {
            report(detection.name, kind: detection.kind, &context)
        }
        if context.isOver { return true }
        guard let kind = layout.type.containerKind else { return false }
        if context.types.count + 1 >= context.limits.maxRecursion {
            return exceeded(.maxRecursion, stops: false, &context)
        }
        context.types.append(layout.type)
        defer { context.types.removeLast() }
        let limits = context.limits
        try? ArchiveReader.forEachMember(in: data, as: kind, maximumSize: limits.maxFileSize) { member in
            if ContinuousClock.now >= context.deadline { return !exceeded(.maxScanTime, stops: true, &context) }
            context.files += 1
            if context.files > limits.maxFiles { return !exceeded(.maxFiles, stops: true, &context) }
            context.names.append(member.name)
            defer { context.names.removeLast() }
            if member.isEncrypted {
                if limits.alertEncrypted { report(layout.type.encryptedHeuristic, kind: .heuristic, &context) }
                return !context.isOver
            }
            if member.truncated { return !exceeded(.maxFileSize, stops: false, &context) }
            if context.scanned + member.data.count > limits.maxScanSize {
                return !exceeded(.maxScanSize, stops: true, &context)
            }
            context.scanned += member.data.count
            return !member.data.withUnsafeBytes { scanObject($0, &context) }
        }
        return context.isOver
    }

    /// Records a detection at the current place, unless the current object or a container above it is
    /// allow-listed (clamscan checks the whole chain when it raises an alert).
    private func report(_ name: String, kind: Detection.Kind, _ context: inout ContainerContext) {
        for depth in context.buffers.indices {
            if context.allowListed[depth] == nil { context.allowListed[depth] = isAllowListed(context.buffers[depth]) }
            if context.allowListed[depth] == true { return }
        }
        context.found.append(Detection(name: name, kind: kind, chain: context.names))
    }

    /// A limit reached: reported with `--alert-exceeds-max`; `stops` ends the whole descent. Returns whether
    /// the scan is over.
    private func exceeded(_ limit: ScanLimits.Limit, stops: Bool, _ context: inout ContainerContext) -> Bool {
        if context.limits.alertExceedsMax { report(limit.heuristicName, kind: .heuristic, &context) }
        if stops { context.stopped = true }
        return context.isOver
    }
}
