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
    /// Detections by signatures.
    var found: [Detection] = []
    /// Heuristic alerts (clamscan's "potentially unwanted"): they do not end the scan, and come after the
    /// signatures' detections.
    var heuristics: [Detection] = []
    /// Set once a limit stopped the descent (MaxScanSize, MaxFiles, MaxScanTime): no further member is opened.
    var stopped = false

    /// The context for scanning a top-level file of `size` bytes.
    init(limits: ScanLimits, allMatch: Bool, size: Int) {
        self.limits = limits
        scanned = size
        self.allMatch = allMatch
        deadline = ContinuousClock.now.advanced(by: limits.maxScanTime)
    }

    /// Whether the scan is over: a signature matched without `--allmatch`.
    var isOver: Bool { !allMatch && !found.isEmpty }

    /// What the scan reports, as clamscan 1.4 does: with `--allmatch` every signature's detection, then each
    /// heuristic alert once by name; otherwise the first detection, or failing one the first heuristic alert.
    var detections: [Detection] {
        guard allMatch else { return found.isEmpty ? Array(heuristics.prefix(1)) : found }
        var names = Set<String>()
        return found + heuristics.filter { names.insert($0.name).inserted }
    }
}

extension FileType {
    /// Whether clamscan reads this type's members from zip headers.
    var isZip: Bool { [.zip, .ooxmlWord, .ooxmlExcel, .ooxmlPowerPoint, .ooxmlHWP].contains(self) }

    /// How Vigil reads the members of a file of this type, if it unpacks it.
    var memberReader: MemberReader? {
        switch self {
        case .gzip, .bzip2, .xz: .libarchive(.compressedStream)
        case .zip, .ooxmlWord, .ooxmlExcel, .ooxmlPowerPoint, .ooxmlHWP, .sevenZip, .rar, .cab, .posixTar, .oldTar,
            .cpioOld, .cpioODC, .cpioNewc, .cpioCRC, .iso9660, .xar,
            .lhaLzh:
            .libarchive(.archive)
        case .msSZDD: .szdd
        case .binHex: .binHex
        case .mail: .mail
        case .rtf: .rtf
        case .tnef: .tnef
        case .html: .dataURLs
        case .ole2: .ole2
        case .sis: .sis
        case .arj: .arj
        case .chm: .chm
        case .msexe, .elf: .executable
        case .pdf: .pdf
        default: nil
        }
    }

    /// The heuristic an encrypted member of this container type (or an encrypted PDF) raises with
    /// `--alert-encrypted`.
    var encryptedHeuristic: String {
        switch self {
        case .rar: "Heuristics.Encrypted.RAR"
        case .sevenZip: "Heuristics.Encrypted.7Zip"
        case .pdf: "Heuristics.Encrypted.PDF"
        default: "Heuristics.Encrypted.Zip"
        }
    }
}

/// Where a container's members come from.
enum MemberReader {
    /// libarchive, as an archive or as one compressed stream.
    case libarchive(ArchiveReader.Kind)
    /// Vigil's own readers.
    case szdd, binHex, mail, rtf, tnef, dataURLs, ole2, sis, arj, pdf, chm
    /// Vigil's own zip reader, over the zip's records, for the methods libarchive cannot read (implode,
    /// Deflate64).
    case zip(ZipCatalogue)
    /// What an executable's parser yields: InstallShield overlay files, the unpacked form of a UPX-packed
    /// PE or ELF file.
    case executable
    /// Objects the raw scan finds after other data in a file of the given type (archives, PDF documents,
    /// installers, executables).
    case embedded(FileType)

    /// Whether it is the reader of the container's own format (not the search for embedded objects).
    var isOwnReader: Bool {
        if case .embedded = self { false } else { true }
    }

    /// Calls `visit` with each member in order, each at most `maximumSize` bytes, until it returns false.
    func forEachMember(in data: UnsafeRawBufferPointer, maximumSize: Int, _ visit: (ArchiveMember) -> Bool) {
        switch self {
        case .libarchive(let kind):
            try? ArchiveReader.forEachMember(in: data, as: kind, maximumSize: maximumSize, visit)
        case .zip(let catalogue):
            ZipReader.forEachMember(in: data, catalogue: catalogue, maximumSize: maximumSize, visit)
        case .szdd:
            if let member = SZDD.expand(data, maximumSize: maximumSize) { _ = visit(member) }
        case .binHex:
            for member in BinHex.decode(data, maximumSize: maximumSize) where !visit(member) { return }
        case .mail:
            Mail.forEachPart(in: data, maximumSize: maximumSize, visit)
        case .rtf:
            RTF.forEachObject(in: data, maximumSize: maximumSize, visit)
        case .tnef:
            TNEF.forEachAttachment(in: data, maximumSize: maximumSize, visit)
        case .dataURLs:
            // clamscan finds them while normalising, which it does not do above MaxHTMLNormalize.
            guard data.count <= HTMLNormalizer.maximumSize else { return }
            DataURL.forEachURL(in: data, maximumSize: maximumSize, visit)
        case .ole2:
            OLE2.forEachStream(in: data, maximumSize: maximumSize, visit)
        case .sis:
            SIS.forEachFile(in: data, maximumSize: maximumSize, visit)
        case .arj:
            ARJ.forEachFile(in: data, maximumSize: maximumSize, visit)
        case .executable:
            ExecutableMembers.forEachMember(in: data, maximumSize: maximumSize, visit)
        case .embedded(let container):
            EmbeddedObjects.forEachMember(in: data, container: container, maximumSize: maximumSize, visit)
        case .pdf:
            PDF.forEachStream(in: data, maximumSize: maximumSize, visit)
        case .chm:
            CHM.forEachFile(in: data, maximumSize: maximumSize, visit)
        }
    }
}

extension Scanner {
    /// Scans one object (the file, or a member at any depth): if it is a container, each member in order
    /// first, then its own content, as clamscan does. Returns whether the scan is over (a signature matched
    /// without `--allmatch`).
    mutating func scanObject(_ data: UnsafeRawBufferPointer, _ context: inout ContainerContext) -> Bool {
        context.buffers.append(data)
        context.allowListed.append(nil)
        defer {
            context.buffers.removeLast()
            context.allowListed.removeLast()
        }
        let layout = FileLayout(data, parseExecutable: engine.usesExecutableLayout)
        if let reader = layout.type.memberReader, descend(data, type: layout.type, reader: reader, &context) {
            return true
        }
        for detection in detect(data, layout: layout, ancestors: context.types, allMatch: context.allMatch) {
            report(detection.name, kind: detection.kind, &context)
        }
        if context.isOver { return true }
        // clamscan's raw scan, after the object's own signatures, extracts what its embedded-type patterns find.
        if EmbeddedObjects.isSearched(layout.type, size: data.count) {
            return descend(data, type: layout.type, reader: .embedded(layout.type), &context)
        }
        return false
    }

    /// Scans the members `reader` finds in an object of `type`, unless a limit stops the descent. Returns
    /// whether the scan is over.
    private mutating func descend(
        _ data: UnsafeRawBufferPointer, type: FileType, reader: MemberReader, _ context: inout ContainerContext
    ) -> Bool {
        guard !context.stopped else { return false }
        guard context.types.count + 1 < context.limits.maxRecursion else {
            exceeded(.maxRecursion, stops: false, &context)
            return false
        }
        context.types.append(type)
        scanMembers(data, type: type, reader: reader, &context)
        context.types.removeLast()
        return context.isOver
    }

    /// Scans a container's members, within the limits; a limit that stops the descent leaves the containers
    /// above to be scanned still.
    private mutating func scanMembers(
        _ data: UnsafeRawBufferPointer, type: FileType, reader: MemberReader,
        _ context: inout ContainerContext
    ) {
        let limits = context.limits
        var reader = reader
        let ownReader = reader.isOwnReader
        if type.isZip, ownReader {
            // The zip's own records: checked before any member, and read by Vigil when libarchive cannot.
            let catalogue = ZipCatalogue(data, maximumRecords: limits.maxFiles)
            if checkZipRecords(catalogue, containerSize: data.count, &context) { return }
            if ZipReader.isNeeded(for: catalogue) { reader = .zip(catalogue) }
        }
        // Vigil does not decrypt PDFs: every encrypted one is reported (clamscan decrypts an empty password).
        if type == .pdf, ownReader, limits.alertEncrypted, PDF.isEncrypted(data) {
            report(type.encryptedHeuristic, kind: .heuristic, &context)
        }
        var regularMembers = 0
        reader.forEachMember(in: data, maximumSize: limits.maxFileSize) { member in
            if ContinuousClock.now >= context.deadline {
                exceeded(.maxScanTime, stops: true, &context)
                return false
            }
            // An empty member is not scanned and does not count as a file (clamscan skips it), but its
            // metadata is checked; each reader has its own order of checks at the limit.
            let empty = member.data.isEmpty && !member.isEncrypted && !member.truncated
            let full = empty && type.stopsAtEmptyMemberPastLimit && context.files == limits.maxFiles
            let overLimit = context.files + (empty ? 0 : 1) > limits.maxFiles || full
            regularMembers += 1
            if !overLimit || type.checksMetadataFirst,
                let metadata = type.metadata(of: member, regularPosition: regularMembers),
                checkMetadata(metadata, container: type, containerSize: data.count, &context)
            {
                return false
            }
            if overLimit {
                exceeded(.maxFiles, stops: true, &context)
                return false
            }
            if empty { return true }
            context.files += 1
            context.names.append(member.name)
            defer { context.names.removeLast() }
            if member.isEncrypted {
                if limits.alertEncrypted { report(type.encryptedHeuristic, kind: .heuristic, &context) }
                return true
            }
            if member.truncated {
                exceeded(.maxFileSize, stops: false, &context)
                return true
            }
            if context.scanned + member.data.count > limits.maxScanSize {
                exceeded(.maxScanSize, stops: true, &context)
                return false
            }
            context.scanned += member.data.count
            if member.isMacro, limits.alertMacros {
                report("Heuristics.OLE2.ContainsMacros.VBA", kind: .heuristic, &context)
            }
            return !member.data.withUnsafeBytes { scanObject($0, &context) } && !context.stopped
        }
    }

    /// Checks a zip's records (clamscan reads them all before unpacking any member): each one's metadata
    /// against the `.cdb` signatures, then whether they overlap. Returns whether the scan is over.
    private mutating func checkZipRecords(
        _ catalogue: ZipCatalogue, containerSize: Int, _ context: inout ContainerContext
    ) -> Bool {
        let type = context.types[context.types.count - 1]
        for record in catalogue.records {
            let metadata = MemberMetadata(
                name: record.name, storedSize: record.compressedSize, size: record.size,
                isEncrypted: record.isEncrypted, position: record.position)
            if checkMetadata(metadata, container: type, containerSize: containerSize, &context) { return true }
        }
        if catalogue.reachedLimit { exceeded(.maxFiles, stops: false, &context) }
        if catalogue.overlapping, context.limits.heuristicAlerts {
            report("Heuristics.Zip.OverlappingFiles", kind: .heuristic, &context)
        }
        return context.isOver
    }

    /// Checks one member's metadata against the `.cdb` signatures, the last loaded first as clamscan does.
    /// Returns whether the scan is over.
    private mutating func checkMetadata(
        _ member: MemberMetadata, container: FileType, containerSize: Int,
        _ context: inout ContainerContext
    ) -> Bool {
        guard engine.containerSignatures.count > 0 else { return false }
        if containerSignatures == nil { containerSignatures = engine.containerSignatures.decode() }
        for signature in containerSignatures ?? []
        where signature.matches(member, container: container, containerSize: containerSize) {
            report(engine.names[signature.name], kind: .containerMetadata, &context)
            if context.isOver { return true }
        }
        return false
    }

    /// Records a detection at the current place, unless the current object or a container above it is
    /// allow-listed (clamscan checks the whole chain when it raises an alert).
    private func report(_ name: String, kind: Detection.Kind, _ context: inout ContainerContext) {
        for depth in context.buffers.indices {
            if context.allowListed[depth] == nil { context.allowListed[depth] = isAllowListed(context.buffers[depth]) }
            if context.allowListed[depth] == true { return }
        }
        let detection = Detection(name: name, kind: kind, chain: context.names)
        if kind == .heuristic { context.heuristics.append(detection) } else { context.found.append(detection) }
    }

    /// A limit reached: reported with `--alert-exceeds-max`; `stops` ends the descent into any further member
    /// (the containers already entered are still scanned themselves).
    private func exceeded(_ limit: ScanLimits.Limit, stops: Bool, _ context: inout ContainerContext) {
        if context.limits.alertExceedsMax { report(limit.heuristicName, kind: .heuristic, &context) }
        if stops { context.stopped = true }
    }
}
