import VigilFormats
import VigilSignatures

/// A logical signature ready to evaluate: its expression over the match counts of its subsignatures, which
/// occupy consecutive slots of the engine's subsignature table, and the target description's conditions.
struct CompiledLogical: Sendable {
    /// Index of the name in the engine's name table.
    var name: Int
    /// ClamAV's target type.
    var target: Int
    /// The expression.
    var expression: LogicalExpression
    /// The slot of subsignature 0.
    var firstSlot: Int
    /// The target description's conditions.
    var description: TargetDescription
    /// The byte-compare subsignatures with their indexes, run before the PCRE ones.
    var comparisons: [(index: Int, comparison: ByteComparison)]
    /// The PCRE subsignatures, run in order before the expression is evaluated.
    var expressions: [CompiledPCRE]
    /// The macro subsignatures after the first (a macro at index 0 never counts), each constraining the hex
    /// subsignature before it; `split` tells whether that one's pattern is split (counted by ends).
    var macros: [(index: Int, macro: MacroSubsignature, split: Bool)]
    /// Whether the signature must be evaluated on every layer of its type, not only when one of its
    /// subsignatures matched: its expression (`0=0`, `0<1`) or a PCRE trigger holds without matches.
    var holdsWithoutMatches: Bool

    init(_ signature: LogicalSignature, name: Int, firstSlot: Int) throws(RegexError) {
        self.name = name
        target = signature.description.target ?? 0
        expression = signature.expression
        self.firstSlot = firstSlot
        description = signature.description
        var expressions: [CompiledPCRE] = []
        for case (let index, .pcre(let pcre)) in signature.subsignatures.enumerated() {
            expressions.append(CompiledPCRE(index: index, pcre: pcre, program: try RegexProgram(pcre.pattern)))
        }
        self.expressions = expressions
        macros = signature.subsignatures.enumerated().compactMap { index, subsignature in
            guard case .macro(let macro) = subsignature, index > 0,
                case .hex(let constrained) = signature.subsignatures[index - 1]
            else { return nil }
            return (index, macro, constrained.pattern.tokens.contains(where: \.splitsPattern))
        }
        // A comparison referring to a missing subsignature or to another comparison never matches (clamscan
        // does not check the reference at load).
        comparisons = signature.subsignatures.enumerated().compactMap { index, subsignature in
            guard case .byteComparison(let comparison) = subsignature,
                comparison.reference < signature.subsignatures.count
            else { return nil }
            if case .byteComparison = signature.subsignatures[comparison.reference] { return nil }
            return (index, comparison)
        }
        holdsWithoutMatches = signature.expression.evaluate { _ in 0 }.holds
            || expressions.contains { $0.pcre.trigger.evaluate { _ in 0 }.holds }
    }

    /// Whether the signature matches a layer of `size` bytes with the given subsignature counts, inside
    /// containers of the types `ancestors` (outermost first; none for a top-level file).
    func matches(counts: (Int) -> Int, size: Int, layout: ExecutableLayout?, ancestors: [FileType]) -> Bool {
        guard expression.evaluate({ counts(firstSlot + $0) }).holds else { return false }
        // A top-level file's container is clamscan's CL_TYPE_ANY.
        if let container = description.container, container != (ancestors.last?.clamAVName ?? "CL_TYPE_ANY") {
            return false
        }
        // Intermediates: the last one listed is the parent, the one before it the grandparent, ...;
        // CL_TYPE_ANY matches any type, and there must be at least as many ancestors as listed.
        if let intermediates = description.intermediates {
            guard ancestors.count >= intermediates.count else { return false }
            for (wanted, actual) in zip(intermediates.reversed(), ancestors.reversed())
            where wanted != "CL_TYPE_ANY" && wanted != actual.clamAVName {
                return false
            }
        }
        if description.neverMatches { return false }
        if let range = description.fileSize, !range.contains(size) { return false }
        if description.entryPoint != nil || description.numberOfSections != nil {
            guard let layout else { return false }
            if let range = description.entryPoint, !range.contains(layout.resolve(.entryPoint(0)) ?? 0) { return false }
            if let range = description.numberOfSections, !range.contains(layout.numberOfSections) { return false }
        }
        return true
    }

    /// The patterns of a hex subsignature: with `::w` each byte followed by `00`, with `::wa` the plain form
    /// too; `::i` folds letters' case; `::f` requires word boundaries (wide ones for the wide form).
    static func patterns(of subsignature: HexSubsignature, slot: Int, target: Int, logsMatches: Bool)
        -> [CompiledBody]
    {
        let m = subsignature.modifiers
        var forms: [(HexPattern, WordBoundary)] = []
        if m.contains(.wide) {
            forms.append((widened(subsignature.pattern), m.contains(.fullword) ? .wide : .none))
            if m.contains(.ascii) { forms.append((subsignature.pattern, m.contains(.fullword) ? .ascii : .none)) }
        } else {
            forms.append((subsignature.pattern, m.contains(.fullword) ? .ascii : .none))
        }
        return forms.map { pattern, boundary in
            CompiledBody(pattern, owner: .subsignature(slot: slot), target: target, offset: subsignature.offset,
                caseless: m.contains(.nocase), boundary: boundary, logsMatches: logsMatches)
        }
    }

    /// clamscan's wide form: every byte (and every alternative's byte) followed by `00`; jumps and classes
    /// unchanged, `[x-y]` a plain jump.
    static func widened(_ pattern: HexPattern) -> HexPattern {
        let zero = MaskedByte.literal(0)
        return HexPattern(tokens: pattern.tokens.flatMap { token -> [HexToken] in
            switch token {
            case .byte(let b): [.byte(b), .byte(zero)]
            case .alternatives(let alts): [.alternatives(alts.map { $0.flatMap { [$0, zero] } })]
            case .negatedAlternatives(let alts): [.negatedAlternatives(alts.map { $0.flatMap { [$0, zero] } })]
            case .byteRange(let lo, let hi): [.gap(minimum: lo, maximum: hi)]
            case .gap, .boundary: [token]
            }
        })
    }
}
