import VigilSignatures

/// A YARA module (`import "pe"`): the shape of what it declares, checked at compile time, and what it makes of
/// each scanned file.
struct YaraModule: Sendable {
    /// The name rules import.
    var name: String
    /// Its fields and functions.
    var schema: [String: YaraSchema]
    /// Builds the module's values for one file (called at most once per file, only when a rule needs them).
    var load: @Sendable (UnsafeRawBufferPointer) -> [String: YaraObject]
}

/// What a module's member is.
indirect enum YaraSchema: Sendable {
    case integer, float, text
    case structure([String: YaraSchema])
    case array(YaraSchema)
    case dictionary(YaraSchema)
    /// Overloads, tried in order for the arguments' types.
    case function([YaraFunction])

    /// The plain type of a leaf.
    var type: YaraType? {
        switch self {
        case .integer: .integer
        case .float: .float
        case .text: .text
        default: nil
        }
    }
}

/// One overload of a module function.
struct YaraFunction: Sendable {
    /// The argument types (`regex` arguments are compiled expressions).
    var arguments: [YaraArgument]
    /// The result's type.
    var result: YaraType
    /// Computes the result; nil is undefined.
    var body: @Sendable (YaraCall) -> YaraValue?
}

/// The type of a module function's argument.
enum YaraArgument: Sendable, Equatable {
    case integer, float, text, regex
    /// A condition's truth (`math.to_number(x > 1)`), passed as ``YaraValue/boolean(_:)``.
    case boolean
}

/// A call's arguments and the file, for a module function.
struct YaraCall {
    /// The arguments, in order, as the overload declares them.
    var arguments: [YaraValue]
    /// The compiled regular expressions among the arguments, in order.
    var expressions: [RegexProgram]
    /// The scanned file.
    var data: UnsafeRawBufferPointer
    /// The members of the structure the function belongs to (the module's own, for a top-level function).
    var structure: [String: YaraObject]
}

/// A defined plain value: an external variable's (`--define`), or a module function's result.
public enum YaraValue: Sendable, Equatable {
    case integer(Int64)
    case float(Double)
    case text([UInt8])
    case boolean(Bool)

    /// The value `yara -d name=TEXT` gives: `true` or `false`, else an integer (decimal or `0x` hex), else a
    /// float, else the text itself.
    public init(parsing text: String) {
        if text == "true" || text == "false" {
            self = .boolean(text == "true")
        } else if let v = Int64(text) {
            self = .integer(v)
        } else if text.hasPrefix("0x"), let v = Int64(text.dropFirst(2), radix: 16) {
            self = .integer(v)
        } else if text.contains("."), let v = Double(text) {
            self = .float(v)
        } else {
            self = .text(Array(text.utf8))
        }
    }

    var integer: Int64? {
        if case .integer(let v) = self { v } else if case .boolean(let b) = self { b ? 1 : 0 } else { nil }
    }
    var float: Double? {
        switch self {
        case .float(let v): v
        case .integer(let v): Double(v)
        default: nil
        }
    }
    var text: [UInt8]? { if case .text(let v) = self { v } else { nil } }
}

/// A module's value for one file. A member that is declared but absent is undefined.
indirect enum YaraObject: Sendable {
    case integer(Int64)
    case float(Double)
    case text([UInt8])
    case structure([String: YaraObject])
    case array([YaraObject])
    case dictionary([[UInt8]: YaraObject])
}

/// A module value in a compiled condition.
indirect enum YaraModuleCode: Sendable {
    /// A module's values, as a structure.
    case root(module: Int)
    case field(YaraModuleCode, String)
    /// A module's top-level field (`pe.entry_point`), kept per file in a cache slot once read.
    case rootField(module: Int, String, cache: Int)
    /// An array's element (0-based).
    case element(YaraModuleCode, YaraCode)
    /// A dictionary's value for a key.
    case value(YaraModuleCode, YaraCode)
    /// A function of the structure `base`, with its overload, arguments and regular-expression arguments.
    case call(YaraModuleCode, YaraFunction, [YaraCode], [RegexProgram])
    /// A loop variable bound to a structure (`for any s in pe.sections : (s.name == …)`).
    case variable(Int)
}
