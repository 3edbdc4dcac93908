import VigilFormats
import VigilSignatures

extension [YaraStringMatch] {
    /// The index of the first match at or after `offset` (matches are sorted by offset).
    func firstIndex(atOrAfter offset: Int64) -> Int? {
        var lo = 0
        var hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Int64(self[mid].offset) < offset { lo = mid + 1 } else { hi = mid }
        }
        return lo < count ? lo : nil
    }
}

/// One match of a string: where it starts and how many bytes it covers.
public struct YaraStringMatch: Sendable, Equatable {
    /// The offset of its first byte.
    public var offset: Int
    /// Its length.
    public var length: Int

    /// A match of `length` bytes at `offset`.
    public init(offset: Int, length: Int) {
        self.offset = offset
        self.length = length
    }
}

/// Evaluates compiled conditions over one file, with libyara's undefined values: an operation on an undefined
/// value is undefined; `and`, `or` and loops read undefined as false; a rule whose condition is undefined does
/// not match.
struct YaraEvaluator {
    /// What a loop slot holds.
    enum Slot {
        case value(YaraValue)
        case object(YaraObject)
        case string(Int)
        case undefined
    }

    let data: UnsafeRawBufferPointer
    /// The scan's matches per piece, and per chained string its joined matches.
    let pieces: [[YaraStringMatch]]
    let chained: [Int: [YaraStringMatch]]
    /// Checks strings the scan did not search for at the offsets conditions ask about.
    var verifier: YaraVerifier
    let externals: [YaraValue]
    var rules: [Bool]
    var slots: [Slot] = []
    /// Each module's values for this file, built when first used.
    var moduleValues: [[String: YaraObject]?]
    let modules: [YaraModule]
    /// Modules' top-level fields read so far (``YaraModuleCode/rootField(module:_:cache:)``): `.some(nil)` is
    /// read and absent.
    var rootFields: [YaraObject??]
    /// The entry point's file offset, when the file is a PE or ELF executable with one (read when first used).
    var entryPoint: Int64??

    // MARK: Booleans

    mutating func boolean(_ code: YaraCode) -> Bool? {
        switch code {
        case .boolean(let b): return b
        case .rule(let i): return rules[i]
        case .external(let i): return externals[i].integer.map { $0 != 0 }
        case .variable(let slot):
            if case .value(.boolean(let b)) = slots[slot] { return b }
            return nil
        case .found(let s): return stringMatches(s).map { !$0.isEmpty }
        case .foundAt(let s, let offset):
            guard let string = stringIndex(s), let at = integer(offset) else { return nil }
            if !verifier.rules.searched[string] { return verifier.matches(string: string, at: at) }
            let list = matches(string)
            return list.firstIndex(atOrAfter: at).map { list[$0].offset == Int(at) } ?? false
        case .foundIn(let s, let low, let high):
            guard let list = stringMatches(s), let l = integer(low), let h = integer(high) else { return nil }
            return list.firstIndex(atOrAfter: l).map { Int64(list[$0].offset) <= h } ?? false
        case .not(let inner): return boolean(inner).map { !$0 }
        case .defined(let inner):
            if case .truth(let value, let type) = inner { return defined(value, type) }
            return boolean(inner) != nil
        case .and(let items):
            for item in items where boolean(item) != true { return false }
            return true
        case .or(let items):
            for item in items where boolean(item) == true { return true }
            return false
        case .compareIntegers(let op, let l, let r):
            guard let a = integer(l), let b = integer(r) else { return nil }
            return Self.compare(op, a, b)
        case .compareFloats(let op, let l, let r):
            guard let a = float(l), let b = float(r) else { return nil }
            return Self.compare(op, a, b)
        case .compareTexts(let op, let l, let r):
            guard let a = text(l), let b = text(r) else { return nil }
            return Self.compareTexts(op, a, b)
        case .matches(let subject, let program):
            guard let t = text(subject) else { return nil }
            return t.withUnsafeBytes { program.firstMatch(in: $0, from: 0, anchored: false) != nil }
        case .truth(let value, let type):
            switch type {
            case .boolean: return boolean(value)
            case .integer: return integer(value).map { $0 != 0 }
            case .float: return float(value).map { $0 != 0 }
            case .text: return text(value).map { !$0.isEmpty }
            }
        case .stringsOf(let q, let members, let anchor):
            return quantified(q, count: members.count) { e, i in
                let operand = YaraStringOperand.string(members[i])
                switch anchor {
                case nil: return e.boolean(.found(operand))
                case .at(let offset): return e.boolean(.foundAt(operand, offset))
                case .within(let low, let high): return e.boolean(.foundIn(operand, low, high))
                }
            }
        case .rulesOf(let q, let members):
            return quantified(q, count: members.count) { e, i in e.rules[members[i]] }
        case .forOf(let q, let members, let slot, let body):
            return quantified(q, count: members.count) { e, i in
                e.slots[slot] = .string(members[i])
                return e.boolean(body)
            }
        case .forRange(let q, let slot, let low, let high, let body):
            guard let l = integer(low), let h = integer(high), l <= h else { return false }
            let count = h - l + 1
            guard count <= Self.maximumIterations else { return false }
            return quantified(q, count: Int(count)) { e, i in
                e.slots[slot] = .value(.integer(l + Int64(i)))
                return e.boolean(body)
            }
        case .forEnumeration(let q, let slot, let items, let body):
            return quantified(q, count: items.count) { e, i in
                let item = items[i]
                if let t = e.text(item) {
                    e.slots[slot] = .value(.text(t))
                } else {
                    e.slots[slot] = e.integer(item).map { .value(.integer($0)) } ?? .undefined
                }
                return e.boolean(body)
            }
        case .forModule(let q, let slots, let collection, let body):
            switch object(collection) {
            case .array(let elements):
                return quantified(q, count: elements.count) { e, i in
                    e.slots[slots[0]] = Self.slot(elements[i])
                    return e.boolean(body)
                }
            case .dictionary(let entries):
                let keys = entries.keys.sorted { $0.lexicographicallyPrecedes($1) }
                return quantified(q, count: keys.count) { e, i in
                    e.slots[slots[0]] = .value(.text(keys[i]))
                    e.slots[slots[1]] = Self.slot(entries[keys[i]]!)
                    return e.boolean(body)
                }
            default: return false
            }
        case .module(let m):
            if case .integer(let v) = object(m) { return v != 0 }
            return nil
        default: return nil
        }
    }

    /// The most steps a `for` loop over a range takes; larger ranges are false rather than a hang.
    static let maximumIterations: Int64 = 1 << 24

    private mutating func defined(_ code: YaraCode, _ type: YaraType) -> Bool {
        switch type {
        case .boolean: boolean(code) != nil
        case .integer: integer(code) != nil
        case .float: float(code) != nil
        case .text: text(code) != nil
        }
    }

    /// Counts the members for which `test(evaluator, index)` holds (undefined counts as false) against the
    /// quantifier.
    private mutating func quantified(_ q: YaraQuantifierCode, count: Int, _ test: (inout Self, Int) -> Bool?)
        -> Bool?
    {
        var needed: Int
        switch q {
        case .all: needed = count
        case .any: needed = 1
        case .none: needed = 0
        case .count(let n):
            guard let v = integer(n) else { return false }
            needed = Int(clamping: v)
        case .percent(let p):
            guard let v = integer(p) else { return false }
            needed = Int((Double(v) * Double(count) / 100).rounded(.up))
        }
        let exact = needed == 0
        var satisfied = 0
        for i in 0..<count {
            if test(&self, i) == true {
                satisfied += 1
                if exact { break }
                if satisfied >= needed { break }
            } else if case .all = q {
                break
            }
        }
        return exact ? satisfied == 0 : satisfied >= needed
    }

    private static func slot(_ object: YaraObject) -> Slot {
        switch object {
        case .integer(let v): .value(.integer(v))
        case .float(let v): .value(.float(v))
        case .text(let v): .value(.text(v))
        default: .object(object)
        }
    }

    // MARK: Numbers and texts

    mutating func integer(_ code: YaraCode) -> Int64? {
        switch code {
        case .integer(let v): return v
        case .filesize: return Int64(data.count)
        case .entrypoint:
            if entryPoint == nil {
                let layout = ExecutableLayout.parse(data)
                // `.some(nil)`: looked for and absent, so the file is parsed once.
                entryPoint = .some(layout.flatMap { $0.format == .machO ? nil : $0.entryPoint.map(Int64.init) })
            }
            return entryPoint ?? nil
        case .external(let i): return externals[i].integer
        case .variable(let slot):
            if case .value(let v) = slots[slot] { return v.integer }
            return nil
        case .count(let s): return stringMatches(s).map { Int64($0.count) }
        case .countIn(let s, let low, let high):
            guard let list = stringMatches(s), let l = integer(low), let h = integer(high) else { return nil }
            guard let first = list.firstIndex(atOrAfter: l) else { return 0 }
            var n = 0
            for m in list[first...] {
                if Int64(m.offset) > h { break }
                n += 1
            }
            return Int64(n)
        case .offset(let s, let index), .length(let s, let index):
            guard let list = stringMatches(s), let i = integer(index), i >= 1, i <= list.count else { return nil }
            if case .offset = code { return Int64(list[Int(i) - 1].offset) }
            return Int64(list[Int(i) - 1].length)
        case .read(let reader, let offset):
            return integer(offset).flatMap { reader.read(data, at: $0) }
        case .negate(let inner): return integer(inner).map { 0 &- $0 }
        case .bitwiseNot(let inner): return integer(inner).map { ~$0 }
        case .integerOperation(let op, let l, let r):
            guard let a = integer(l), let b = integer(r) else { return nil }
            return YaraArithmetic.integer(op, a, b)
        case .truth(let inner, .boolean): return boolean(inner).map { $0 ? 1 : 0 }
        case .module(let m):
            if case .integer(let v) = object(m) { return v }
            return nil
        default: return nil
        }
    }

    mutating func float(_ code: YaraCode) -> Double? {
        switch code {
        case .float(let v): return v
        case .external(let i): return externals[i].float
        case .variable(let slot):
            if case .value(let v) = slots[slot] { return v.float }
            return nil
        case .negateFloat(let inner): return float(inner).map { -$0 }
        case .floatOperation(let op, let l, let r):
            guard let a = float(l), let b = float(r) else { return nil }
            switch op {
            case .add: return a + b
            case .subtract: return a - b
            case .multiply: return a * b
            default: return a / b
            }
        case .module(let m):
            switch object(m) {
            case .float(let v): return v
            case .integer(let v): return Double(v)
            default: return nil
            }
        default: return integer(code).map(Double.init)
        }
    }

    mutating func text(_ code: YaraCode) -> [UInt8]? {
        switch code {
        case .text(let t): return t
        case .external(let i): return externals[i].text
        case .variable(let slot):
            if case .value(.text(let t)) = slots[slot] { return t }
            return nil
        case .module(let m):
            if case .text(let t) = object(m) { return t }
            return nil
        default: return nil
        }
    }

    // MARK: Module values

    mutating func object(_ code: YaraModuleCode) -> YaraObject? {
        switch code {
        case .root(let module): return .structure(values(of: module))
        case .variable(let slot):
            switch slots[slot] {
            case .object(let o): return o
            case .value(.integer(let v)): return .integer(v)
            case .value(.float(let v)): return .float(v)
            case .value(.text(let v)): return .text(v)
            default: return nil
            }
        case .field(let base, let name):
            guard case .structure(let members) = object(base) else { return nil }
            return members[name]
        case .rootField(let module, let name, let cache):
            if let known = rootFields[cache] { return known }
            let value = values(of: module)[name]
            rootFields[cache] = .some(value)
            return value
        case .element(let base, let index):
            guard case .array(let elements) = object(base), let i = integer(index), i >= 0, i < elements.count else {
                return nil
            }
            return elements[Int(i)]
        case .value(let base, let key):
            guard case .dictionary(let entries) = object(base), let k = text(key) else { return nil }
            return entries[k]
        case .call(let base, let function, let arguments, let expressions):
            guard case .structure(let members) = object(base) else { return nil }
            var values: [YaraValue] = []
            for (argument, kind) in zip(arguments, function.arguments.filter { $0 != .regex }) {
                let value: YaraValue?
                switch kind {
                case .integer: value = integer(argument).map(YaraValue.integer)
                case .float: value = float(argument).map(YaraValue.float)
                case .text: value = text(argument).map(YaraValue.text)
                case .boolean: value = boolean(argument).map(YaraValue.boolean)
                case .regex: value = nil
                }
                guard let value else { return nil }
                values.append(value)
            }
            let call = YaraCall(arguments: values, expressions: expressions, data: data, structure: members)
            switch function.body(call) {
            case .integer(let v): return .integer(v)
            case .float(let v): return .float(v)
            case .text(let v): return .text(v)
            case .boolean(let b): return .integer(b ? 1 : 0)
            case nil: return nil
            }
        }
    }

    private mutating func values(of module: Int) -> [String: YaraObject] {
        if let loaded = moduleValues[module] { return loaded }
        let loaded = modules[module].load(data)
        moduleValues[module] = loaded
        return loaded
    }

    // MARK: Helpers

    private func stringMatches(_ s: YaraStringOperand) -> [YaraStringMatch]? {
        stringIndex(s).map(matches)
    }

    /// String `s`'s matches (of a searched string).
    func matches(_ s: Int) -> [YaraStringMatch] {
        verifier.rules.isChained[s] ? chained[s] ?? [] : pieces[verifier.rules.firstPiece[s]]
    }

    /// Whether string `s` (searched) matched.
    func found(_ s: Int) -> Bool {
        verifier.rules.isChained[s] ? chained[s]?.isEmpty == false : !pieces[verifier.rules.firstPiece[s]].isEmpty
    }

    private func stringIndex(_ s: YaraStringOperand) -> Int? {
        switch s {
        case .string(let i): return i
        case .current(let slot):
            if case .string(let i) = slots[slot] { return i }
            return nil
        }
    }

    private static func compare<T: Comparable>(_ op: YaraBinaryOperator, _ a: T, _ b: T) -> Bool {
        switch op {
        case .equal: a == b
        case .notEqual: a != b
        case .less: a < b
        case .lessOrEqual: a <= b
        case .greater: a > b
        default: a >= b
        }
    }

    private static func compareTexts(_ op: YaraBinaryOperator, _ a: [UInt8], _ b: [UInt8]) -> Bool {
        func lower(_ t: [UInt8]) -> [UInt8] { t.map { ASCII.isUppercase($0) ? $0 | 0x20 : $0 } }
        switch op {
        case .contains: return contains(a, b)
        case .icontains: return contains(lower(a), lower(b))
        case .startswith: return a.starts(with: b)
        case .istartswith: return lower(a).starts(with: lower(b))
        case .endswith: return a.count >= b.count && Array(a.suffix(b.count)) == b
        case .iendswith: return a.count >= b.count && lower(Array(a.suffix(b.count))) == lower(b)
        case .iequals: return lower(a) == lower(b)
        case .equal: return a == b
        case .notEqual: return a != b
        case .less: return a.lexicographicallyPrecedes(b)
        case .lessOrEqual: return !b.lexicographicallyPrecedes(a)
        case .greater: return b.lexicographicallyPrecedes(a)
        default: return !a.lexicographicallyPrecedes(b)
        }
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
