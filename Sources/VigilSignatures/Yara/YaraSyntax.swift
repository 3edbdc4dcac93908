/// YARA rule source as a typed model: what the YARA 4.5 language says, checked for grammar, not yet for meaning
/// (identifiers are resolved and types checked when the rules are compiled).

/// A YARA source file with its includes expanded in place: imports and rules in source order.
public struct YaraSource: Sendable, Equatable {
    /// `import "module"` statements, each with where it was written.
    public var imports: [YaraImport] = []
    /// The rules, in the order they were declared (a rule may refer only to rules before it).
    public var rules: [YaraRule] = []

    /// An empty source.
    public init() {}
}

/// `import "pe"`.
public struct YaraImport: Sendable, Equatable {
    /// The module's name.
    public var module: String
    /// Where the statement is.
    public var location: SourceLocation
}

/// One `rule NAME : TAGS { meta: … strings: … condition: … }`.
public struct YaraRule: Sendable, Equatable {
    /// The rule's identifier.
    public var name: String
    /// `private`: the rule is evaluated but never reported.
    public var isPrivate = false
    /// `global`: every other rule of the namespace requires this one.
    public var isGlobal = false
    /// Tags after the name, in order.
    public var tags: [String] = []
    /// `meta:` entries in order (keys may repeat).
    public var metadata: [YaraMetadata] = []
    /// `strings:` declarations in order.
    public var strings: [YaraStringDeclaration] = []
    /// The condition.
    public var condition: YaraExpression
    /// Where the rule's name is.
    public var location: SourceLocation
}

/// One `key = value` of a rule's `meta:` section.
public struct YaraMetadata: Sendable, Equatable {
    /// A metadata value: text (bytes, as escapes may make any), a 64-bit integer, or a boolean.
    public enum Value: Sendable, Equatable {
        case text([UInt8])
        case integer(Int64)
        case boolean(Bool)
    }

    /// The key.
    public var key: String
    /// The value.
    public var value: Value

    /// Creates an entry.
    public init(key: String, value: Value) {
        self.key = key
        self.value = value
    }
}

/// `$name = PATTERN MODIFIERS` in a rule's `strings:` section.
public struct YaraStringDeclaration: Sendable, Equatable {
    /// The identifier with its `$` (`$` alone for an anonymous string).
    public var identifier: String
    /// What to look for.
    public var pattern: YaraPattern
    /// The modifiers written after it.
    public var modifiers: YaraStringModifiers
    /// Where the identifier is.
    public var location: SourceLocation
}

/// A string's pattern.
public enum YaraPattern: Sendable, Equatable {
    /// `"text"`: the bytes after escapes.
    case text([UInt8])
    /// `{ 4D 5A ?? [2-4] ( 01 | 02 ) }`.
    case hex([YaraHexToken])
    /// `/regex/is`.
    case regex(YaraRegex)
}

/// One element of a hex string.
public indirect enum YaraHexToken: Sendable, Equatable {
    /// A byte compared under `mask` (`4?` is value 0x40, mask 0xF0; `??` is mask 0); `~` negates the comparison.
    case byte(value: UInt8, mask: UInt8, negated: Bool)
    /// `[n]`, `[n-m]`, `[n-]`, `[-]`: any `minimum` to `maximum` bytes (`nil`: unbounded).
    case jump(minimum: Int, maximum: Int?)
    /// `( a | b | … )`: any one of the sequences.
    case alternatives([[YaraHexToken]])
}

/// A regular expression as YARA writes it: `/source/` with the `i` and `s` flags.
public struct YaraRegex: Sendable, Equatable {
    /// The text between the slashes (with `\/` read as `/`).
    public var source: [UInt8]
    /// `i`: letters match either case.
    public var caseless: Bool
    /// `s`: `.` matches a line feed too.
    public var dotAll: Bool
    /// The parsed expression.
    public var node: RegexNode
}

/// The modifiers of a string declaration.
public struct YaraStringModifiers: Sendable, Equatable {
    /// `ascii` (the default unless `wide` is given without it).
    public var ascii = false
    /// `wide`: every character followed by a zero byte (UTF-16LE of ASCII text).
    public var wide = false
    /// `nocase`: letters match either case.
    public var nocase = false
    /// `fullword`: delimited by non-alphanumeric characters or the data's ends.
    public var fullword = false
    /// `private`: never reported in matches.
    public var isPrivate = false
    /// `xor`, `xor(k)`, `xor(a-b)`: the text XORed with every key of the range (`xor` alone: 0–255).
    public var xor: ClosedRange<UInt8>?
    /// `base64`, `base64("alphabet")`: the text's three base64 encodings, under this alphabet.
    public var base64: [UInt8]?
    /// `base64wide`, `base64wide("alphabet")`: the same encodings, wide.
    public var base64Wide: [UInt8]?

    /// No modifiers.
    public init() {}

    /// The standard base64 alphabet, for `base64` and `base64wide` without one.
    public static let standardBase64Alphabet = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
}

/// A condition, or part of one, with where it starts.
public struct YaraExpression: Sendable, Equatable {
    /// What the expression is.
    public var kind: Kind
    /// Where it starts.
    public var location: SourceLocation

    /// Creates an expression.
    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    /// The forms of YARA 4.5's conditions.
    public indirect enum Kind: Sendable, Equatable {
        /// `true`, `false`.
        case boolean(Bool)
        /// An integer literal (with `KB`/`MB` applied).
        case integer(Int64)
        /// A floating-point literal.
        case float(Double)
        /// A text literal.
        case text([UInt8])
        /// A regular expression (the right side of `matches`, or a module function's argument).
        case regex(YaraRegex)
        /// `filesize`.
        case filesize
        /// `entrypoint` (deprecated in YARA, still accepted).
        case entrypoint
        /// `$a` (`$` inside `for … of`): whether the string matched.
        case stringMatched(String)
        /// `$a at OFFSET`.
        case stringAt(String, YaraExpression)
        /// `$a in (LOW..HIGH)`.
        case stringIn(String, YaraRange)
        /// `#a`, `#a in (LOW..HIGH)`: the number of matches.
        case stringCount(String, YaraRange?)
        /// `@a`, `@a[i]`: the offset of the i-th match (1-based; `@a` is the first).
        case stringOffset(String, YaraExpression?)
        /// `!a`, `!a[i]`: the length of the i-th match.
        case stringLength(String, YaraExpression?)
        /// A name: an external variable, a rule, a module, or a loop variable.
        case identifier(String)
        /// `base.field`.
        case field(YaraExpression, String)
        /// `base[index]`.
        case `subscript`(YaraExpression, YaraExpression)
        /// `function(arguments…)`.
        case call(YaraExpression, [YaraExpression])
        /// `uint16(offset)`, `int32be(offset)` and the others.
        case readInteger(YaraIntegerReader, YaraExpression)
        /// A unary operator.
        case unary(YaraUnaryOperator, YaraExpression)
        /// A binary operator.
        case binary(YaraBinaryOperator, YaraExpression, YaraExpression)
        /// `left matches /regex/`.
        case matches(YaraExpression, YaraRegex)
        /// `QUANTIFIER of STRINGS`, optionally `at OFFSET` or `in (LOW..HIGH)`.
        case stringsOf(YaraQuantifier, YaraStringSet, YaraOfAnchor?)
        /// `QUANTIFIER of (Rule1, Rule*)`.
        case rulesOf(YaraQuantifier, [YaraRuleReference])
        /// `for QUANTIFIER of STRINGS : ( BODY )`, where `$`, `#`, `@`, `!` mean each string in turn.
        case forOf(YaraQuantifier, YaraStringSet, YaraExpression)
        /// `for QUANTIFIER VARIABLES in ITERABLE : ( BODY )`.
        case forIn(YaraQuantifier, [String], YaraIterable, YaraExpression)
    }
}

/// `(LOW..HIGH)`, both ends included.
public struct YaraRange: Sendable, Equatable {
    /// The first value.
    public var low: YaraExpression
    /// The last value.
    public var high: YaraExpression
}

/// The anchor of `… of STRINGS at OFFSET` or `… of STRINGS in (LOW..HIGH)`.
public enum YaraOfAnchor: Sendable, Equatable {
    case at(YaraExpression)
    case within(YaraRange)
}

/// How many of a set must satisfy a condition.
public indirect enum YaraQuantifier: Sendable, Equatable {
    case all, any, none
    /// `N of`.
    case count(YaraExpression)
    /// `N% of`.
    case percent(YaraExpression)
}

/// A set of strings: `them`, or `($a, $b*, …)` where `*` takes every string whose name begins so.
public enum YaraStringSet: Sendable, Equatable {
    case them
    case list([YaraStringReference])
}

/// A member of a string set.
public struct YaraStringReference: Sendable, Equatable {
    /// The identifier with its `$` (the prefix, for a wildcard).
    public var identifier: String
    /// Whether it ends in `*`.
    public var isWildcard: Bool
    /// Where it is.
    public var location: SourceLocation
}

/// A member of a rule set: a rule's name, or a prefix with `*`.
public struct YaraRuleReference: Sendable, Equatable {
    /// The name, or the prefix.
    public var name: String
    /// Whether it ends in `*`.
    public var isWildcard: Bool
    /// Where it is.
    public var location: SourceLocation
}

/// What a `for … in` loop iterates over.
public enum YaraIterable: Sendable, Equatable {
    /// `(LOW..HIGH)`.
    case range(YaraRange)
    /// `(a, b, c)`: integers or texts.
    case enumeration([YaraExpression])
    /// A module's array or dictionary (`pe.sections`).
    case expression(YaraExpression)
}

/// The integer-reading functions: `int8` … `uint32be`.
public struct YaraIntegerReader: Sendable, Equatable, Hashable {
    /// Bytes read: 1, 2 or 4.
    public var width: Int
    /// Whether the value is signed.
    public var signed: Bool
    /// Whether the bytes are big-endian (`be` suffix).
    public var bigEndian: Bool

    /// The reader a function name stands for, if it is one.
    public init?(name: String) {
        var rest = Substring(name)
        signed = !rest.hasPrefix("u")
        if !signed { rest = rest.dropFirst() }
        guard rest.hasPrefix("int") else { return nil }
        rest = rest.dropFirst(3)
        bigEndian = rest.hasSuffix("be")
        if bigEndian { rest = rest.dropLast(2) }
        switch rest {
        case "8": width = 1
        case "16": width = 2
        case "32": width = 4
        default: return nil
        }
    }
}

/// Unary operators.
public enum YaraUnaryOperator: String, Sendable, Equatable {
    case negate = "-"
    case bitwiseNot = "~"
    case not = "not"
    case defined = "defined"
}

/// Binary operators, by YARA's precedence from loosest: `or`; `and`; equality and the string comparisons;
/// ordering; `|`; `^`; `&`; shifts; `+ -`; `* \ %`.
public enum YaraBinaryOperator: String, Sendable, Equatable {
    case or, and
    case equal = "=="
    case notEqual = "!="
    case contains, icontains, startswith, istartswith, endswith, iendswith, iequals
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case bitwiseOr = "|"
    case bitwiseXor = "^"
    case bitwiseAnd = "&"
    case shiftLeft = "<<"
    case shiftRight = ">>"
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "\\"
    case remainder = "%"
}
