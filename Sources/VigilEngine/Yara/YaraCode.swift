import VigilSignatures

/// A compiled YARA condition: names resolved to indexes, types checked, constants folded. Each node's type is
/// fixed at compile time, so the evaluator asks each for the one kind of value it yields.
indirect enum YaraCode: Sendable {
    case boolean(Bool)
    case integer(Int64)
    case float(Double)
    case text([UInt8])
    case filesize
    case entrypoint
    /// An external variable's value (fixed per compilation).
    case external(Int)
    /// A loop variable's slot.
    case variable(Int)
    /// An earlier rule's result.
    case rule(Int)
    /// `$a`, `$a at E`, `$a in (L..H)`.
    case found(YaraStringOperand)
    case foundAt(YaraStringOperand, YaraCode)
    case foundIn(YaraStringOperand, YaraCode, YaraCode)
    /// `#a`, `#a in (L..H)`.
    case count(YaraStringOperand)
    case countIn(YaraStringOperand, YaraCode, YaraCode)
    /// `@a[i]`, `!a[i]` (1-based).
    case offset(YaraStringOperand, YaraCode)
    case length(YaraStringOperand, YaraCode)
    /// `uint16(E)` and the others.
    case read(YaraIntegerReader, YaraCode)
    case not(YaraCode)
    case defined(YaraCode)
    case and([YaraCode])
    case or([YaraCode])
    case negate(YaraCode)
    case negateFloat(YaraCode)
    case bitwiseNot(YaraCode)
    /// Integer arithmetic and bitwise operators.
    case integerOperation(YaraBinaryOperator, YaraCode, YaraCode)
    /// `+ - * \` with either side a float (integers converted).
    case floatOperation(YaraBinaryOperator, YaraCode, YaraCode)
    /// Comparisons of integers, of numbers (either a float), of texts; the text operators (`contains` …).
    case compareIntegers(YaraBinaryOperator, YaraCode, YaraCode)
    case compareFloats(YaraBinaryOperator, YaraCode, YaraCode)
    case compareTexts(YaraBinaryOperator, YaraCode, YaraCode)
    /// `text matches /re/` (found anywhere in the text).
    case matches(YaraCode, RegexProgram)
    /// An integer, float or text used as a boolean: non-zero, non-empty.
    case truth(YaraCode, YaraType)
    /// `Q of (strings)`, optionally `at` or `in`.
    case stringsOf(YaraQuantifierCode, [Int], YaraAnchorCode?)
    /// `Q of (rules)`.
    case rulesOf(YaraQuantifierCode, [Int])
    /// `for Q of (strings) : (body)`, with the current string's index in `slot`.
    case forOf(YaraQuantifierCode, [Int], slot: Int, YaraCode)
    /// `for Q v in (L..H) : (body)`.
    case forRange(YaraQuantifierCode, slot: Int, YaraCode, YaraCode, YaraCode)
    /// `for Q v in (a, b, …) : (body)`.
    case forEnumeration(YaraQuantifierCode, slot: Int, [YaraCode], YaraCode)
    /// A module value: a field path from a module's root, a function call, an array or dictionary element.
    case module(YaraModuleCode)
    /// `for Q v in module.array : (body)` or `for Q k, v in module.dictionary : (body)`.
    case forModule(YaraQuantifierCode, slots: [Int], YaraModuleCode, YaraCode)
}

/// The static type of a compiled expression.
enum YaraType: Sendable, Equatable, CustomStringConvertible {
    case boolean, integer, float, text

    var description: String {
        switch self {
        case .boolean: "boolean"
        case .integer: "integer"
        case .float: "float"
        case .text: "string"
        }
    }
}

/// The string an operator refers to: a fixed one, or the current string of a `for … of` loop.
enum YaraStringOperand: Sendable {
    case string(Int)
    case current(slot: Int)
}

/// How many of a set must hold.
indirect enum YaraQuantifierCode: Sendable {
    case all, any, none
    case count(YaraCode)
    case percent(YaraCode)
}

/// `at E` or `in (L..H)` after `… of STRINGS`.
indirect enum YaraAnchorCode: Sendable {
    case at(YaraCode)
    case within(YaraCode, YaraCode)
}
