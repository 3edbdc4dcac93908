import VigilSignatures

/// The `.ndb` and `.ldb` signatures of an engine as their source lines, parsed again only when a scan first
/// needs one (a prefilter candidate, a window to check, a logical signature to evaluate): loading a compiled
/// database does no work per signature, and a scan pays only for the signatures its files touch.
///
/// Each source line is a record that owns a consecutive range of pattern ids (one for an `.ndb` line; one per
/// form of each hex subsignature of an `.ldb` line) and, for `.ldb`, one logical signature.
struct SignatureSources: Sendable {
    /// What a record's line is.
    enum Kind: UInt8 {
        case body = 0, logical = 1
    }

    private let lines: NameTable
    private let kinds: FlatTable<UInt8>
    /// Per record, and one more: `firstPattern[r]..<firstPattern[r + 1]` are record `r`'s pattern ids.
    private let firstPattern: FlatTable<UInt32>
    /// Per record: the name index (`.ndb`) or the logical signature's index (`.ldb`).
    private let item: FlatTable<UInt32>
    /// Per pattern: its record.
    private let patternRecord: FlatTable<UInt32>
    /// Per logical signature: its record, name index, first subsignature slot and target type.
    private let logicalRecord: FlatTable<UInt32>
    private let logicalName: FlatTable<UInt32>
    private let logicalSlot: FlatTable<UInt32>
    /// Per logical signature: its target type, known without parsing (candidates are ordered by it).
    let logicalTarget: FlatTable<UInt8>
    /// The logical signature owning each subsignature slot.
    let slotOwners: FlatTable<UInt32>

    /// How many source records there are.
    var recordCount: Int { kinds.count }
    /// How many patterns the records own.
    var patternCount: Int { patternRecord.count }
    /// How many logical signatures there are.
    var logicalCount: Int { logicalRecord.count }

    init(_ reader: inout ImageReader) throws(ImageError) {
        lines = try NameTable(&reader, pool: "SRCP", ends: "SRCE")
        kinds = try reader.table("SKND")
        firstPattern = try reader.table("SFPT")
        item = try reader.table("SITM")
        patternRecord = try reader.table("SPRC")
        logicalRecord = try reader.table("LREC")
        logicalName = try reader.table("LNAM")
        logicalSlot = try reader.table("LSLT")
        logicalTarget = try reader.table("LTGT")
        slotOwners = try reader.table("LOWN")
        let records = kinds.count
        guard lines.count == records, firstPattern.count == records + 1, item.count == records,
            firstPattern[0] == 0, Int(firstPattern[records]) == patternRecord.count,
            (0..<records).allSatisfy({ firstPattern[$0] <= firstPattern[$0 + 1] && kinds[$0] <= Kind.logical.rawValue }),
            logicalName.count == logicalRecord.count, logicalSlot.count == logicalRecord.count,
            logicalTarget.count == logicalRecord.count,
            patternRecord.buffer.allSatisfy({ Int($0) < records }),
            logicalRecord.buffer.allSatisfy({ Int($0) < records }),
            logicalTarget.buffer.allSatisfy({ Int($0) <= TargetType.highest }),
            slotOwners.buffer.allSatisfy({ Int($0) < logicalRecord.count })
        else { throw ImageError("malformed: signature source tables disagree") }
    }

    /// Decodes record `record`: its patterns (id and compiled form) and, for an `.ldb` line, its logical
    /// signature with its index. Empty if the line no longer parses (a damaged database): it then matches
    /// nothing.
    func decode(_ record: Int) -> (patterns: [(Int, CompiledBody)], logical: (Int, CompiledLogical)?) {
        guard let bytes = lines.bytes(record), let line = String(validating: bytes, as: UTF8.self),
            let kind = Kind(rawValue: kinds[record])
        else { return ([], nil) }
        let ids = Int(firstPattern[record])..<Int(firstPattern[record + 1])
        let location = SourceLocation(file: "compiled database", line: record + 1)
        var compiled: [CompiledBody] = []
        var logical: (Int, CompiledLogical)?
        switch kind {
        case .body:
            guard let signature = try? BodySignature.parse(line: line[...], at: location)
            else { return ([], nil) }
            compiled = [CompiledBody(signature.pattern, owner: signature.owner(name: Int(item[record])),
                target: signature.target, offset: signature.offset)]
        case .logical:
            let index = Int(item[record])
            guard index < logicalCount, let signature = try? LogicalSignature.parse(line: line[...], at: location),
                let compiledLogical = try? CompiledLogical(signature, name: Int(logicalName[index]),
                    firstSlot: Int(logicalSlot[index])),
                compiledLogical.firstSlot + signature.subsignatures.count <= slotOwners.count
            else { return ([], nil) }
            logical = (index, compiledLogical)
            compiled = Self.patterns(of: signature, logical: compiledLogical)
        }
        guard compiled.count == ids.count else { return ([], nil) }
        return (Array(zip(ids, compiled)), logical)
    }

    /// Pattern `id`'s record.
    func record(ofPattern id: Int) -> Int { Int(patternRecord[id]) }

    /// Logical signature `index`'s record.
    func record(ofLogical index: Int) -> Int { Int(logicalRecord[index]) }

    /// The patterns of a logical signature's hex subsignatures, in subsignature order.
    static func patterns(of signature: LogicalSignature, logical: CompiledLogical) -> [CompiledBody] {
        var patterns: [CompiledBody] = []
        for case (let index, .hex(let subsignature)) in signature.subsignatures.enumerated() {
            patterns += CompiledLogical.patterns(of: subsignature, slot: logical.firstSlot + index,
                target: logical.target, logsMatches: logical.macros.contains { $0.index == index + 1 })
        }
        return patterns
    }

    /// Collects source records for a compiled image, in pattern id order.
    struct Builder {
        private var lines = NameTable.Builder()
        private var kinds: [UInt8] = []
        private var firstPattern: [UInt32] = [0]
        private var item: [UInt32] = []
        private var patternRecord: [UInt32] = []
        private var logicalRecord: [UInt32] = []
        private var logicalName: [UInt32] = []
        private var logicalSlot: [UInt32] = []
        private var logicalTarget: [UInt8] = []
        private var slotOwners: [UInt32] = []

        /// Adds an `.ndb` line owning one pattern, reported under name index `name`.
        mutating func addBody(_ source: String, name: Int) {
            add(source, kind: .body, item: name, patterns: 1)
        }

        /// Adds an `.ldb` line with `subsignatures` subsignatures as the next logical signature, owning
        /// `patterns` patterns.
        mutating func addLogical(_ source: String, _ logical: CompiledLogical, subsignatures: Int, patterns: Int) {
            slotOwners += Array(repeating: UInt32(logicalRecord.count), count: subsignatures)
            logicalRecord.append(UInt32(kinds.count))
            logicalName.append(UInt32(logical.name))
            logicalSlot.append(UInt32(logical.firstSlot))
            logicalTarget.append(UInt8(logical.target))
            add(source, kind: .logical, item: logicalRecord.count - 1, patterns: patterns)
        }

        private mutating func add(_ source: String, kind: Kind, item value: Int, patterns: Int) {
            patternRecord += Array(repeating: UInt32(kinds.count), count: patterns)
            lines.append(source)
            kinds.append(kind.rawValue)
            item.append(UInt32(value))
            firstPattern.append(UInt32(patternRecord.count))
        }

        func write(to writer: inout ImageWriter) {
            lines.write(to: &writer, pool: "SRCP", ends: "SRCE")
            writer.put("SKND", kinds)
            writer.put("SFPT", firstPattern)
            writer.put("SITM", item)
            writer.put("SPRC", patternRecord)
            writer.put("LREC", logicalRecord)
            writer.put("LNAM", logicalName)
            writer.put("LSLT", logicalSlot)
            writer.put("LTGT", logicalTarget)
            writer.put("LOWN", slotOwners)
        }
    }
}

extension BodySignature {
    /// What the signature's matches count for: itself, or its macro group.
    func owner(name: Int) -> PatternOwner {
        if let group = macroGroup { return .macroMember(group: group) }
        return .body(name: name)
    }
}

/// A scanner's decoded signatures: each source record is parsed the first time one of its patterns or its
/// logical signature is needed, then kept for the scanner's life (one scanner per thread, so no locking).
struct DecodedSignatures {
    let sources: SignatureSources
    private var bodies: [CompiledBody?]
    private var logicals: [CompiledLogical?]
    /// Per record: whether it was decoded (successfully or not).
    private var tried: [Bool]

    init(_ sources: SignatureSources) {
        self.sources = sources
        bodies = Array(repeating: nil, count: sources.patternCount)
        logicals = Array(repeating: nil, count: sources.logicalCount)
        tried = Array(repeating: false, count: sources.recordCount)
    }

    /// Pattern `id`, decoded on first use; nil if its record is damaged.
    @inline(__always)
    mutating func body(_ id: Int) -> CompiledBody? {
        if let body = bodies[id] { return body }
        decode(sources.record(ofPattern: id))
        return bodies[id]
    }

    /// Logical signature `index`, decoded on first use; nil if its record is damaged.
    mutating func logical(_ index: Int) -> CompiledLogical? {
        if let logical = logicals[index] { return logical }
        decode(sources.record(ofLogical: index))
        return logicals[index]
    }

    @inline(never)
    private mutating func decode(_ record: Int) {
        guard !tried[record] else { return }
        tried[record] = true
        let (patterns, logical) = sources.decode(record)
        for (id, body) in patterns { bodies[id] = body }
        if let (index, compiled) = logical { logicals[index] = compiled }
    }
}
