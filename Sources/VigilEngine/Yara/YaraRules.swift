import Synchronization
import VigilSignatures

/// Compiled YARA rules, immutable and shared by every scanning thread: each namespace's rules in order, every
/// string's forms behind one prefilter, and the compiled conditions.
public final class YaraRules: Sendable {
    struct Rule: Sendable {
        var name: String
        var namespace: Int
        var isPrivate: Bool
        var isGlobal: Bool
        var tags: [String]
        var metadata: [YaraMetadata]
        /// The rule's strings (global indexes).
        var strings: Range<Int>
        var condition: YaraCode
        var slotCount: Int
    }

    struct StringEntry: Sendable {
        var identifier: String
        var rule: Int
        var isPrivate: Bool
        /// The pieces, in order (one unless a hex string is chained), and the gaps between them.
        var pieces: [Int]
        var gaps: [ClosedRange<Int>]
    }

    /// How a prefilter hit leads to a form: the form, and how far before the atom its match may start.
    struct AtomEntry: Sendable {
        var form: Int32
        var low: Int32
        /// -1: up to ``YaraScanner/reach`` bytes.
        var high: Int32
    }

    let namespaces: [String]
    let rules: [Rule]
    /// What the scan reads per rule, apart from `rules` so that no rule is copied: its condition, its loop slots,
    /// and the strings of which one must match (``YaraRequirement``), `requiredStrings[start..<end]` (start -1:
    /// no such set).
    let conditions: [YaraCode]
    let slotCounts: [Int]
    let requirements: [(start: Int32, end: Int32)]
    let requiredStrings: [Int32]
    /// How many top-level module fields conditions read (``YaraModuleCode/rootField(module:_:cache:)``).
    let rootFieldCount: Int
    let strings: [StringEntry]
    /// Per string: whether the scan searches the file for it; the others are only checked at the offsets the
    /// conditions ask about (and searched for a report's details).
    let searched: [Bool]
    let forms: [YaraFormPlan]
    /// Each searched form's atoms (nil: none, or the form is not searched).
    let atoms: [RegexAtoms?]
    /// Each piece's forms (consecutive).
    let pieceForms: [Range<Int>]
    /// Each string's first (usually only) piece.
    let firstPiece: [Int]
    /// Whether a string is a chained hex string (of more than one piece), and those strings.
    let isChained: [Bool]
    let chainedStrings: [Int]
    /// The piece each form belongs to.
    let formPiece: [Int]
    let pieceCount: Int
    /// The string each form belongs to.
    let formString: [Int]
    /// The header tests rules depend on (``YaraGate``), each rule's (-1: none), and whether a gate's rules have
    /// strings to search for.
    let gates: [YaraGate]
    let ruleGate: [Int32]
    let gateSearched: [Bool]
    /// Rules whose whole condition is `$a at E` for one E that is the entry point (PEiD's `$a at pe.entry_point`),
    /// grouped by E (``YaraAnchorGroup``), and each rule's group (-1: none).
    let anchorGroups: [YaraAnchorGroup]
    let anchorGroup: [Int32]
    /// The searches built so far, by the gates a file passes.
    private let searches = Mutex<[[Int]: YaraSearch]>([:])
    let externals: [YaraValue]
    let modules: [YaraModule]
    /// Slow patterns and other notes from compiling, with where they are.
    public let warnings: [SignatureError]

    /// How many rules there are (private ones included).
    public var ruleCount: Int { rules.count }

    init(
        namespaces: [String], rules: [Rule], strings: [StringEntry], searched: [Bool], forms: [YaraFormPlan],
        atoms: [RegexAtoms?],
        formPiece: [Int], pieceCount: Int, rootFieldCount: Int, externals: [YaraValue], modules: [YaraModule],
        warnings: [SignatureError]
    ) {
        self.namespaces = namespaces
        self.strings = strings
        self.searched = searched
        self.rules = rules
        conditions = rules.map(\.condition)
        slotCounts = rules.map(\.slotCount)
        var requiredStrings: [Int32] = []
        requirements = rules.map { rule in
            guard let required = YaraRequirement.strings(rule.condition, searched: searched) else { return (-1, -1) }
            let start = Int32(requiredStrings.count)
            requiredStrings += required.sorted().map(Int32.init)
            return (start, Int32(requiredStrings.count))
        }
        self.requiredStrings = requiredStrings
        self.rootFieldCount = rootFieldCount
        self.forms = forms
        self.atoms = atoms
        var pieceString = Array(repeating: 0, count: pieceCount)
        for (s, entry) in strings.enumerated() { for piece in entry.pieces { pieceString[piece] = s } }
        var pieceForms = Array(repeating: 0..<0, count: pieceCount)
        for (f, piece) in formPiece.enumerated() {
            pieceForms[piece] = pieceForms[piece].isEmpty ? f..<(f + 1) : pieceForms[piece].lowerBound..<(f + 1)
        }
        self.pieceForms = pieceForms
        firstPiece = strings.map { $0.pieces[0] }
        isChained = strings.map { $0.pieces.count > 1 }
        chainedStrings = strings.indices.filter { strings[$0].pieces.count > 1 }
        self.formPiece = formPiece
        self.pieceCount = pieceCount
        self.externals = externals
        self.modules = modules
        self.warnings = warnings
        formString = formPiece.map { pieceString[$0] }
        let gateOf = self.rules.map { YaraGate.of($0.condition) }
        let gates = Array(Set(gateOf.compactMap { $0 })).sorted {
            ($0.offset, $0.reader.width, $0.value, $0.reader.signed ? 1 : 0, $0.reader.bigEndian ? 1 : 0)
                < ($1.offset, $1.reader.width, $1.value, $1.reader.signed ? 1 : 0, $1.reader.bigEndian ? 1 : 0)
        }
        let ruleGate = gateOf.map { gate in gate.map { Int32(gates.firstIndex(of: $0)!) } ?? -1 }
        self.gates = gates
        self.ruleGate = ruleGate
        var gateSearched = Array(repeating: false, count: gates.count)
        for s in self.formString where searched[s] {
            let gate = ruleGate[strings[s].rule]
            if gate >= 0 { gateSearched[Int(gate)] = true }
        }
        self.gateSearched = gateSearched
        var groups: [Int: YaraAnchorGroup] = [:]
        var anchorGroup = Array(repeating: Int32(-1), count: rules.count)
        for (index, rule) in rules.enumerated() {
            guard case .foundAt(.string(let s), let at) = rule.condition else { continue }
            let key: Int
            switch at {
            case .entrypoint: key = -1
            case .module(.rootField(_, "entry_point", let cache)): key = cache
            default: continue
            }
            var group = groups[key] ?? YaraAnchorGroup(offset: at, index: groups.count)
            for byte in 0...255
            where pieceForms[firstPiece[s]].contains(where: { forms[$0].canBegin(with: UInt8(byte)) }) {
                group.rules[byte].append(Int32(index))
            }
            anchorGroup[index] = Int32(group.index)
            groups[key] = group
        }
        anchorGroups = groups.values.sorted { $0.index < $1.index }
        self.anchorGroup = anchorGroup
    }

    /// The search for files that pass exactly the gates `passing` (of those with searched strings, ascending),
    /// built on first use and kept.
    func search(passing: [Int]) -> YaraSearch {
        searches.withLock { cache in
            if let known = cache[passing] { return known }
            let search = YaraSearch(self, passing: passing)
            cache[passing] = search
            return search
        }
    }
}

/// The strings files of one kind are searched for (those of the rules whose gates they pass, and of the rules
/// with none): a prefilter over their atoms, how each atom leads to its form, and the forms with no atom.
struct YaraSearch: Sendable {
    let prefilter: Prefilter?
    /// The image the prefilter's tables live in.
    let storage: ImageStorage?
    let entries: [YaraRules.AtomEntry]
    /// Forms with no atom, tried at every position that can begin them.
    let everywhere: [Int]

    init(_ rules: YaraRules, passing: [Int]) {
        var included = Array(repeating: false, count: rules.gates.count)
        for gate in passing { included[gate] = true }
        var atoms: [Prefilter.Atom] = []
        var entries: [YaraRules.AtomEntry] = []
        var everywhere: [Int] = []
        for index in rules.forms.indices where rules.searched[rules.formString[index]] {
            let gate = Int(rules.ruleGate[rules.strings[rules.formString[index]].rule])
            guard gate < 0 || included[gate] else { continue }
            guard let choice = rules.atoms[index] else {
                everywhere.append(index)
                continue
            }
            let high = choice.high.map { min($0, YaraScanner.reach) } ?? -1
            let distinct = Set(choice.atoms).sorted {
                $0.lazy.map { UInt16($0.value) << 8 | UInt16($0.mask) }
                    .lexicographicallyPrecedes($1.lazy.map { UInt16($0.value) << 8 | UInt16($0.mask) })
            }
            for atom in distinct {
                atoms.append(
                    Prefilter.Atom(
                        bytes: atom.map(\.value), masks: atom.map(\.mask), id: entries.count, best: -1))
                entries.append(
                    YaraRules.AtomEntry(
                        form: Int32(index), low: Int32(min(choice.low, YaraScanner.reach)), high: Int32(high)))
            }
        }
        self.entries = entries
        self.everywhere = everywhere
        guard !atoms.isEmpty else {
            prefilter = nil
            storage = nil
            return
        }
        var writer = ImageWriter()
        Prefilter.write(atoms: atoms, to: &writer)
        let image = writer.finish(signatureCount: 0)
        do throws(ImageError) {
            var reader = try ImageReader(image)
            prefilter = try Prefilter(&reader, patterns: entries.count)
        } catch {
            fatalError("Vigil could not read the YARA prefilter it wrote: \(error)")
        }
        storage = image
    }
}

/// Rules whose whole condition is `$a at E` for one E: a file costs one reading of E and the rules whose string
/// can begin with the byte there; the others are false without being evaluated.
struct YaraAnchorGroup: Sendable {
    /// E.
    var offset: YaraCode
    var index: Int
    /// Per byte value, the rules whose string can begin with it.
    var rules = Array(repeating: [Int32](), count: 256)
}

/// A rule that matched, with what a report needs.
public struct YaraRuleMatch: Sendable, Equatable {
    /// The namespace (the rule file's name without its extension).
    public var namespace: String
    /// The rule's name.
    public var rule: String
    /// Its tags.
    public var tags: [String]
    /// Its metadata, in order.
    public var metadata: [YaraMetadata]
    /// Each non-private string that matched, with every match (offset order).
    public var strings: [(identifier: String, matches: [YaraStringMatch])]

    public static func == (a: Self, b: Self) -> Bool {
        a.namespace == b.namespace && a.rule == b.rule && a.tags == b.tags && a.metadata == b.metadata
            && a.strings.map(\.identifier) == b.strings.map(\.identifier)
            && a.strings.map(\.matches) == b.strings.map(\.matches)
    }
}
