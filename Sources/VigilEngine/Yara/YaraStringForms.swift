import VigilSignatures

/// One way a YARA string can occur, checked at a candidate start: bytes under masks (text after its modifiers,
/// or a hex string of bytes and wildcards), or a compiled expression (a regex string, or a piece of a hex
/// string with jumps, alternatives or negations).
enum YaraForm: Sendable {
    case masked(MaskedBytes)
    /// An expression, matched leftmost-first from the start.
    case expression(RegexProgram, firstBytes: ByteSet)
}

/// A byte string with a mask per byte: data matches at `start` when `data[start + k] & masks[k] == values[k]`
/// for every `k`. Exact bytes have the mask 0xFF, a letter of caseless text 0xDF (either case), a hex nibble
/// wildcard 0xF0 or 0x0F, `??` 0x00. Compared eight bytes at a time.
struct MaskedBytes: Sendable {
    let values: [UInt8]
    let masks: [UInt8]
    /// `values` and `masks` as little-endian words, the last one padded with zero masks.
    private let valueWords: [UInt64]
    private let maskWords: [UInt64]

    init(values: [UInt8], masks: [UInt8]) {
        precondition(values.count == masks.count && !values.isEmpty)
        self.values = zip(values, masks).map { $0 & $1 }
        self.masks = masks
        var valueWords: [UInt64] = []
        var maskWords: [UInt64] = []
        for k in Swift.stride(from: 0, to: values.count, by: 8) {
            var v: UInt64 = 0
            var m: UInt64 = 0
            for j in k..<min(k + 8, values.count) {
                v |= UInt64(self.values[j]) << UInt64(8 * (j - k))
                m |= UInt64(masks[j]) << UInt64(8 * (j - k))
            }
            valueWords.append(v)
            maskWords.append(m)
        }
        self.valueWords = valueWords
        self.maskWords = maskWords
    }

    /// Text, its letters in either case when `caseless`.
    init(text: [UInt8], caseless: Bool) {
        self.init(values: text, masks: text.map { caseless && ASCII.isLetter($0) ? 0xDF : 0xFF })
    }

    var count: Int { values.count }

    /// Whether a match can begin with `byte`.
    @inline(__always)
    func canBegin(with byte: UInt8) -> Bool { byte & masks[0] == values[0] }

    /// Whether `data` matches at `start`.
    func matches(_ data: UnsafeRawBufferPointer, at start: Int) -> Bool {
        guard start >= 0, start + values.count <= data.count else { return false }
        if start + 8 * valueWords.count <= data.count {
            for w in valueWords.indices
            where data.loadUnaligned(fromByteOffset: start + 8 * w, as: UInt64.self) & maskWords[w] != valueWords[w] {
                return false
            }
            return true
        }
        for k in values.indices where data[start + k] & masks[k] != values[k] { return false }
        return true
    }

    /// The bytes each position may hold.
    var sets: [[UInt8]] {
        zip(values, masks).map { v, m in
            m == 0xFF ? [v] : m == 0xDF && ASCII.isLetter(v) ? [v | 0x20, v] : (0...255).filter { $0 & m == v }
        }
    }
}

/// A form with what the scanner needs around it.
struct YaraFormPlan: Sendable {
    var form: YaraForm
    /// Whether the form is wide (UTF-16LE), which changes what `fullword` looks at.
    var wide: Bool
    /// An expression's atoms, chosen when it is compiled (masked bytes choose theirs when asked).
    private var expressionAtoms: RegexAtoms?
    /// `fullword`: a match must not touch a letter or digit.
    var fullword = false

    init(expression program: RegexProgram, _ node: RegexNode, wide: Bool) {
        form = .expression(program, firstBytes: node.firstBytes)
        self.wide = wide
        expressionAtoms = RegexAtoms.choose(node)
    }

    init(masked bytes: MaskedBytes, wide: Bool) {
        form = .masked(bytes)
        self.wide = wide
    }

    /// The atoms the prefilter watches for it (nil: the form is tried at every position).
    var atoms: RegexAtoms? {
        switch form {
        case .masked(let bytes): RegexAtoms.choose(masked: bytes)
        case .expression: expressionAtoms
        }
    }
}

/// The forms of one string's piece: for text, one per variant its modifiers make; for a regex, one per
/// `ascii`/`wide`; for a hex string, one per piece between the jumps libyara chains (over 200 bytes, or
/// unbounded), matched separately and joined afterwards.
enum YaraStringForms {
    /// Jumps longer than this split a hex string into chained pieces, as libyara's `STRING_CHAINING_THRESHOLD`.
    static let chainingThreshold = 200

    /// The text variants `modifiers` ask for.
    static func text(_ text: [UInt8], _ modifiers: YaraStringModifiers) -> [YaraFormPlan] {
        var bases: [(bytes: [UInt8], wide: Bool)] = []
        if modifiers.ascii || !modifiers.wide { bases.append((text, false)) }
        if modifiers.wide { bases.append((widened(text), true)) }
        var plans: [YaraFormPlan] = []
        func add(_ bytes: [UInt8], wide: Bool, caseless: Bool) {
            guard !bytes.isEmpty else { return }
            plans.append(
                YaraFormPlan(masked: MaskedBytes(text: bytes, caseless: caseless), wide: wide))
        }
        if modifiers.base64 != nil || modifiers.base64Wide != nil {
            for base in bases {
                if let alphabet = modifiers.base64 {
                    for encoded in base64Encodings(base.bytes, alphabet: alphabet) {
                        add(encoded, wide: false, caseless: false)
                    }
                }
                if let alphabet = modifiers.base64Wide {
                    for encoded in base64Encodings(base.bytes, alphabet: alphabet) {
                        add(widened(encoded), wide: true, caseless: false)
                    }
                }
            }
        } else if let keys = modifiers.xor {
            for base in bases {
                for key in keys { add(base.bytes.map { $0 ^ key }, wide: base.wide, caseless: false) }
            }
        } else {
            for base in bases { add(base.bytes, wide: base.wide, caseless: modifiers.nocase) }
        }
        return plans
    }

    /// A regex string's forms.
    static func regex(_ regex: YaraRegex, _ modifiers: YaraStringModifiers) throws(RegexError) -> [YaraFormPlan] {
        var options = RegexOptions()
        options.yara = true
        options.caseless = regex.caseless || modifiers.nocase
        options.dotAll = regex.dotAll
        let node = options.caseless == regex.caseless ? regex.node : try RegexNode.parse(regex.source, options: options)
        var plans: [YaraFormPlan] = []
        if modifiers.ascii || !modifiers.wide { plans.append(try plan(node, wide: false)) }
        if modifiers.wide { plans.append(try plan(widened(node), wide: true)) }
        return plans
    }

    /// A hex string's pieces (one form each) and the gaps between them (`Int.max` above: unbounded).
    static func hex(_ tokens: [YaraHexToken]) throws(RegexError) -> (pieces: [YaraFormPlan], gaps: [ClosedRange<Int>]) {
        var pieces: [[YaraHexToken]] = [[]]
        var gaps: [ClosedRange<Int>] = []
        for token in tokens {
            if case .jump(let minimum, let maximum) = token, maximum.map({ $0 > chainingThreshold }) ?? true {
                pieces.append([])
                gaps.append(minimum...(maximum ?? Int.max))
            } else {
                pieces[pieces.count - 1].append(token)
            }
        }
        var plans: [YaraFormPlan] = []
        for piece in pieces {
            if let bytes = masked(piece) {
                plans.append(YaraFormPlan(masked: bytes, wide: false))
            } else {
                plans.append(try plan(node(piece), wide: false))
            }
        }
        return (plans, gaps)
    }

    /// A hex piece of bytes and wildcards only (no jump, alternative or negation), as masked bytes.
    private static func masked(_ tokens: [YaraHexToken]) -> MaskedBytes? {
        var values: [UInt8] = []
        var masks: [UInt8] = []
        for token in tokens {
            guard case .byte(let value, let mask, false) = token else { return nil }
            values.append(value)
            masks.append(mask)
        }
        return values.isEmpty ? nil : MaskedBytes(values: values, masks: masks)
    }

    private static func plan(_ node: RegexNode, wide: Bool) throws(RegexError) -> YaraFormPlan {
        YaraFormPlan(expression: try RegexProgram(node), node, wide: wide)
    }

    /// A hex piece as an expression: masked bytes as sets, jumps as lazy runs of any byte (libyara's hex jumps
    /// match as few bytes as they can), alternatives in order.
    static func node(_ tokens: [YaraHexToken]) -> RegexNode {
        .concatenation(
            tokens.map { token -> RegexNode in
                switch token {
                case .byte(let value, let mask, let negated):
                    return .bytes(ByteSet { ($0 & mask == value) != negated })
                case .jump(let minimum, let maximum):
                    return .repetition(.bytes(ByteSet { _ in true }), minimum: minimum, maximum: maximum, greedy: false)
                case .alternatives(let branches):
                    let nodes = branches.map(node)
                    // Alternatives of single bytes are one set, so they can be part of an atom.
                    var sets: [ByteSet] = []
                    for branch in nodes {
                        guard case .concatenation(let items) = branch, items.count == 1, case .bytes(let set) = items[0]
                        else { return .alternation(nodes) }
                        sets.append(set)
                    }
                    return .bytes(sets.dropFirst().reduce(sets[0]) { $0.union($1) })
                }
            })
    }

    /// UTF-16LE of ASCII text: a zero after each byte.
    static func widened(_ bytes: [UInt8]) -> [UInt8] { bytes.flatMap { [$0, 0] } }

    /// An expression for the wide form: each byte matched followed by a zero byte.
    static func widened(_ node: RegexNode) -> RegexNode {
        switch node {
        case .assertion(.wordBoundary): .assertion(.wideWordBoundary)
        case .assertion(.notWordBoundary): .assertion(.notWideWordBoundary)
        case .empty, .assertion: node
        case .bytes: .concatenation([node, .bytes(ByteSet { $0 == 0 })])
        case .concatenation(let items): .concatenation(items.map(widened))
        case .alternation(let branches): .alternation(branches.map(widened))
        case .repetition(let inner, let minimum, let maximum, let greedy):
            .repetition(widened(inner), minimum: minimum, maximum: maximum, greedy: greedy)
        }
    }

    /// libyara's three base64 encodings of `text`, for the text starting at a byte offset of 0, 1 or 2 modulo 3
    /// in what was encoded: each keeps only the characters that depend on the text alone (none of the bytes
    /// before or after it, and no padding).
    static func base64Encodings(_ text: [UInt8], alphabet: [UInt8]) -> [[UInt8]] {
        (0..<3).compactMap { lead -> [UInt8]? in
            let stream = Array(repeating: UInt8(0), count: lead) + text
            let bits = 8 * stream.count
            var out: [UInt8] = []
            var k = 0
            while 6 * k + 6 <= bits {
                if 6 * k >= 8 * lead {
                    let bit = 6 * k
                    var value = 0
                    for b in bit..<(bit + 6) { value = value << 1 | Int(stream[b / 8] >> UInt8(7 - b % 8) & 1) }
                    out.append(alphabet[value])
                }
                k += 1
            }
            return out.isEmpty ? nil : out
        }
    }
}
