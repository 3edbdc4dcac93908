import VigilSignatures

/// Compiles one rule's condition: resolves strings, rules, externals, modules and loop variables, checks
/// types as libyara does, and folds integer constants (where libyara reports overflow and division by zero).
struct YaraConditionCompiler {
    /// A module's top-level field.
    struct RootField: Hashable {
        var module: Int
        var name: String
    }

    /// What a name in scope stands for.
    enum Binding {
        case value(slot: Int, YaraType)
        case object(slot: Int, YaraSchema)
    }

    /// The rule's strings: identifier → global string index.
    let strings: [(identifier: String, index: Int)]
    /// Rules declared before this one in the namespace: name → rule index.
    let rules: [String: Int]
    /// Rule names in declaration order (for `Rule*`).
    let ruleOrder: [String]
    /// External variables: name → (index, value).
    let externals: [String: (index: Int, value: YaraValue)]
    /// Modules the rule's file imported: name → (module index, schema).
    let modules: [String: (index: Int, schema: [String: YaraSchema])]

    /// Strings the condition refers to (global indexes).
    private(set) var referenced: Set<Int> = []
    /// Strings whose matches anywhere in the file the condition needs. The others are only tested at an offset
    /// (`$a at E`, `… of … at E`, `for … of … : ($ at E)`), so the scan checks them there instead of searching.
    private(set) var searched: Set<Int> = []
    /// Whether the innermost `for … of` loop's body uses its current string other than at an offset.
    private var currentSearched = false
    /// Modules' top-level fields read by conditions compiled so far, each with its cache slot
    /// (``YaraModuleCode/rootField(module:_:cache:)``), keyed by module index and name.
    var rootFields: [RootField: Int] = [:]
    /// How many loop slots the condition needs.
    private(set) var slotCount = 0
    private var scopes: [[String: Binding]] = []
    /// The slot of the innermost `for … of` loop's current string.
    private var currentString: Int?

    init(
        strings: [(identifier: String, index: Int)], rules: [String: Int], ruleOrder: [String],
        externals: [String: (index: Int, value: YaraValue)],
        modules: [String: (index: Int, schema: [String: YaraSchema])]
    ) {
        self.strings = strings
        self.rules = rules
        self.ruleOrder = ruleOrder
        self.externals = externals
        self.modules = modules
    }

    private func fail(_ message: String, _ e: YaraExpression) -> SignatureError {
        SignatureError(.malformed, message, at: e.location)
    }

    /// A condition: any value, read as a boolean.
    mutating func condition(_ e: YaraExpression) throws(SignatureError) -> YaraCode {
        try boolean(e)
    }

    private mutating func boolean(_ e: YaraExpression) throws(SignatureError) -> YaraCode {
        let (code, type) = try compile(e)
        switch type {
        case .boolean: return code
        case .integer:
            if case .integer(let v) = code { return .boolean(v != 0) }
            return .truth(code, type)
        case .float, .text: return .truth(code, type)
        }
    }

    private mutating func integer(_ e: YaraExpression) throws(SignatureError) -> YaraCode {
        let (code, type) = try compile(e)
        guard type == .integer else { throw fail("wrong type \"\(type)\", expected integer", e) }
        return code
    }

    private mutating func text(_ e: YaraExpression) throws(SignatureError) -> YaraCode {
        let (code, type) = try compile(e)
        guard type == .text else { throw fail("wrong type \"\(type)\", expected string", e) }
        return code
    }

    private mutating func compile(_ e: YaraExpression) throws(SignatureError) -> (YaraCode, YaraType) {
        switch e.kind {
        case .boolean(let b): return (.boolean(b), .boolean)
        case .integer(let v): return (.integer(v), .integer)
        case .float(let v): return (.float(v), .float)
        case .text(let t): return (.text(t), .text)
        case .regex: throw fail("a regular expression is only valid after 'matches' or as a function argument", e)
        case .filesize: return (.filesize, .integer)
        case .entrypoint: return (.entrypoint, .integer)
        case .stringMatched(let id): return (.found(try stringOperand(id, e)), .boolean)
        case .stringAt(let id, let offset):
            return (.foundAt(try stringOperand(id, e, anchored: true), try integer(offset)), .boolean)
        case .stringIn(let id, let range):
            let operand = try stringOperand(id, e)
            let (low, high) = try self.range(range)
            return (.foundIn(operand, low, high), .boolean)
        case .stringCount(let id, let range):
            let operand = try stringOperand(id, e)
            guard let range else { return (.count(operand), .integer) }
            let (low, high) = try self.range(range)
            return (.countIn(operand, low, high), .integer)
        case .stringOffset(let id, let index):
            return (
                .offset(
                    try stringOperand(id, e),
                    try index.map { i throws(SignatureError) in try integer(i) } ?? .integer(1)), .integer
            )
        case .stringLength(let id, let index):
            return (
                .length(
                    try stringOperand(id, e),
                    try index.map { i throws(SignatureError) in try integer(i) } ?? .integer(1)), .integer
            )
        case .identifier(let name):
            if let binding = lookup(name) {
                switch binding {
                case .value(let slot, let type): return (.variable(slot), type)
                case .object: throw fail("\"\(name)\" is not a value", e)
                }
            }
            if let rule = rules[name] { return (.rule(rule), .boolean) }
            if let external = externals[name] {
                let type: YaraType =
                    switch external.value {
                    case .integer: .integer
                    case .float: .float
                    case .text: .text
                    case .boolean: .boolean
                    }
                return (.external(external.index), type)
            }
            if modules[name] != nil { throw fail("\"\(name)\" is a module, not a value", e) }
            throw fail("undefined identifier \"\(name)\"", e)
        case .field, .subscript, .call:
            let (code, schema) = try module(e)
            guard let type = schema.type else { throw fail("this expression is a structure, not a value", e) }
            return (.module(code), type)
        case .readInteger(let reader, let offset): return (.read(reader, try integer(offset)), .integer)
        case .unary(let op, let operand):
            switch op {
            case .not: return (.not(try boolean(operand)), .boolean)
            case .defined: return (.defined(try boolean(operand)), .boolean)
            case .negate:
                let (code, type) = try compile(operand)
                switch (type, code) {
                case (.integer, .integer(let v)):
                    guard v != .min else { throw fail("integer overflow", e) }
                    return (.integer(-v), .integer)
                case (.integer, _): return (.negate(code), .integer)
                case (.float, .float(let v)): return (.float(-v), .float)
                case (.float, _): return (.negateFloat(code), .float)
                default: throw fail("wrong type \"\(type)\" for - operator", e)
                }
            case .bitwiseNot:
                let (code, type) = try compile(operand)
                guard type == .integer else { throw fail("wrong type \"\(type)\" for ~ operator", e) }
                if case .integer(let v) = code { return (.integer(~v), .integer) }
                return (.bitwiseNot(code), .integer)
            }
        case .binary(let op, let left, let right):
            return try binary(op, left, right, e)
        case .matches(let subject, let regex):
            let code = try text(subject)
            return (.matches(code, try program(regex, e)), .boolean)
        case .stringsOf(let quantifier, let set, let anchor):
            let q = try self.quantifier(quantifier, e)
            let members = try stringSet(set, e)
            if case .at = anchor {} else { searched.formUnion(members) }
            var anchorCode: YaraAnchorCode?
            switch anchor {
            case .at(let offset): anchorCode = .at(try integer(offset))
            case .within(let range):
                let (low, high) = try self.range(range)
                anchorCode = .within(low, high)
            case nil: break
            }
            return (.stringsOf(q, members, anchorCode), .boolean)
        case .rulesOf(let quantifier, let references):
            let q = try self.quantifier(quantifier, e)
            var members: [Int] = []
            for reference in references {
                if reference.isWildcard {
                    let found = ruleOrder.filter { $0.hasPrefix(reference.name) }.compactMap { rules[$0] }
                    guard !found.isEmpty else { throw fail("undefined identifier \"\(reference.name)*\"", e) }
                    members += found
                } else {
                    guard let rule = rules[reference.name] else {
                        throw fail("undefined identifier \"\(reference.name)\"", e)
                    }
                    members.append(rule)
                }
            }
            return (.rulesOf(q, members), .boolean)
        case .forOf(let quantifier, let set, let body):
            let q = try self.quantifier(quantifier, e)
            let members = try stringSet(set, e)
            let slot = newSlot()
            let outer = (currentString, currentSearched)
            (currentString, currentSearched) = (slot, false)
            defer { (currentString, currentSearched) = outer }
            let code = try boolean(body)
            if currentSearched { searched.formUnion(members) }
            return (.forOf(q, members, slot: slot, code), .boolean)
        case .forIn(let quantifier, let variables, let iterable, let body):
            let q = try self.quantifier(quantifier, e)
            return (try forIn(q, variables, iterable, body, e), .boolean)
        }
    }

    private mutating func forIn(
        _ q: YaraQuantifierCode, _ variables: [String], _ iterable: YaraIterable,
        _ body: YaraExpression, _ e: YaraExpression
    ) throws(SignatureError) -> YaraCode {
        switch iterable {
        case .range(let range):
            guard variables.count == 1 else {
                throw fail("a range gives one value per step, not \(variables.count)", e)
            }
            let (low, high) = try self.range(range)
            let slot = newSlot()
            return .forRange(q, slot: slot, low, high, try scoped([variables[0]: .value(slot: slot, .integer)], body))
        case .enumeration(let items):
            guard variables.count == 1 else {
                throw fail("an enumeration gives one value per step, not \(variables.count)", e)
            }
            var codes: [YaraCode] = []
            var type: YaraType?
            for item in items {
                let (code, itemType) = try compile(item)
                guard itemType == .integer || itemType == .text, type == nil || type == itemType else {
                    throw fail("enumerations must be all integers or all strings", item)
                }
                type = itemType
                codes.append(code)
            }
            let slot = newSlot()
            return .forEnumeration(q, slot: slot, codes, try scoped([variables[0]: .value(slot: slot, type!)], body))
        case .expression(let collection):
            let (code, schema) = try module(collection)
            switch schema {
            case .array(let element):
                guard variables.count == 1 else { throw fail("an array gives one value per step", e) }
                let slot = newSlot()
                let binding: Binding = element.type.map { .value(slot: slot, $0) } ?? .object(slot: slot, element)
                return .forModule(q, slots: [slot], code, try scoped([variables[0]: binding], body))
            case .dictionary(let element):
                guard variables.count == 2 else { throw fail("a dictionary gives a key and a value per step", e) }
                let keySlot = newSlot()
                let valueSlot = newSlot()
                let binding: Binding =
                    element.type.map { .value(slot: valueSlot, $0) } ?? .object(slot: valueSlot, element)
                return .forModule(
                    q, slots: [keySlot, valueSlot], code,
                    try scoped([variables[0]: .value(slot: keySlot, .text), variables[1]: binding], body))
            default:
                throw fail("this expression is not iterable", collection)
            }
        }
    }

    private mutating func scoped(_ bindings: [String: Binding], _ body: YaraExpression) throws(SignatureError)
        -> YaraCode
    {
        for name in bindings.keys where lookup(name) != nil || rules[name] != nil || modules[name] != nil {
            throw fail("duplicated identifier \"\(name)\"", body)
        }
        scopes.append(bindings)
        defer { scopes.removeLast() }
        return try boolean(body)
    }

    private func lookup(_ name: String) -> Binding? {
        for scope in scopes.reversed() { if let b = scope[name] { return b } }
        return nil
    }

    private mutating func newSlot() -> Int {
        slotCount += 1
        return slotCount - 1
    }

    private mutating func range(_ range: YaraRange) throws(SignatureError) -> (YaraCode, YaraCode) {
        let low = try integer(range.low)
        let high = try integer(range.high)
        if case .integer(let l) = low, case .integer(let h) = high, l > h {
            throw fail("range lower bound must be less than upper bound", range.low)
        }
        return (low, high)
    }

    private mutating func quantifier(_ q: YaraQuantifier, _ e: YaraExpression) throws(SignatureError)
        -> YaraQuantifierCode
    {
        switch q {
        case .all: return .all
        case .any: return .any
        case .none: return .none
        case .count(let n): return .count(try integer(n))
        case .percent(let n):
            let code = try integer(n)
            if case .integer(let v) = code, !(1...100).contains(v) {
                throw fail("percentage must be between 1 and 100 (inclusive)", n)
            }
            return .percent(code)
        }
    }

    private mutating func stringOperand(_ id: String, _ e: YaraExpression, anchored: Bool = false)
        throws(SignatureError) -> YaraStringOperand
    {
        if id == "$" {
            guard let currentString else { throw fail("\"$\" is only valid inside a 'for … of' loop", e) }
            if !anchored { currentSearched = true }
            return .current(slot: currentString)
        }
        guard let entry = strings.first(where: { $0.identifier == id }) else {
            throw fail("undefined string \"\(id)\"", e)
        }
        referenced.insert(entry.index)
        if !anchored { searched.insert(entry.index) }
        return .string(entry.index)
    }

    private mutating func stringSet(_ set: YaraStringSet, _ e: YaraExpression) throws(SignatureError) -> [Int] {
        switch set {
        case .them:
            guard !strings.isEmpty else { throw fail("'them' in a rule with no strings", e) }
            referenced.formUnion(strings.map(\.index))
            return strings.map(\.index)
        case .list(let references):
            var out: [Int] = []
            for reference in references {
                let found =
                    reference.isWildcard
                    ? strings.filter { $0.identifier.hasPrefix(reference.identifier) }.map(\.index)
                    : strings.filter { $0.identifier == reference.identifier }.map(\.index)
                guard !found.isEmpty else {
                    throw SignatureError(
                        .malformed,
                        "undefined string \"\(reference.identifier)\(reference.isWildcard ? "*" : "")\"",
                        at: reference.location)
                }
                referenced.formUnion(found)
                out += found
            }
            return out
        }
    }

    private func program(_ regex: YaraRegex, _ e: YaraExpression) throws(SignatureError) -> RegexProgram {
        do throws(RegexError) {
            return try RegexProgram(regex.node)
        } catch {
            throw fail("regular expression: \(error.message)", e)
        }
    }

    private mutating func binary(
        _ op: YaraBinaryOperator, _ left: YaraExpression, _ right: YaraExpression,
        _ e: YaraExpression
    ) throws(SignatureError) -> (YaraCode, YaraType) {
        switch op {
        case .and, .or:
            var items: [YaraCode] = []
            for side in [left, right] {
                let code = try boolean(side)
                switch (op, code) {
                case (.and, .and(let inner)), (.or, .or(let inner)): items += inner
                default: items.append(code)
                }
            }
            return (op == .and ? .and(items) : .or(items), .boolean)
        default: break
        }
        let (l, lt) = try compile(left)
        let (r, rt) = try compile(right)
        switch op {
        case .contains, .icontains, .startswith, .istartswith, .endswith, .iendswith, .iequals:
            guard lt == .text, rt == .text else { throw fail("wrong type for \(op.rawValue) operator", e) }
            return (.compareTexts(op, l, r), .boolean)
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            switch (lt, rt) {
            case (.text, .text): return (.compareTexts(op, l, r), .boolean)
            case (.integer, .integer): return (.compareIntegers(op, l, r), .boolean)
            case (.integer, .float), (.float, .integer), (.float, .float): return (.compareFloats(op, l, r), .boolean)
            case (.boolean, .boolean) where op == .equal || op == .notEqual:
                return (.compareIntegers(op, .truth(l, .boolean), .truth(r, .boolean)), .boolean)
            default: throw fail("type mismatch", e)
            }
        case .add, .subtract, .multiply, .divide:
            switch (lt, rt) {
            case (.integer, .integer): return (try folded(op, l, r, e), .integer)
            case (.integer, .float), (.float, .integer), (.float, .float): return (.floatOperation(op, l, r), .float)
            default: throw fail("type mismatch", e)
            }
        case .remainder, .bitwiseAnd, .bitwiseOr, .bitwiseXor, .shiftLeft, .shiftRight:
            guard lt == .integer else { throw fail("wrong type \"\(lt)\" for \(op.rawValue) operator", left) }
            guard rt == .integer else { throw fail("wrong type \"\(rt)\" for \(op.rawValue) operator", right) }
            return (try folded(op, l, r, e), .integer)
        case .and, .or: fatalError("handled above")
        }
    }

    /// An integer operation, computed now when both sides are constants.
    private func folded(_ op: YaraBinaryOperator, _ l: YaraCode, _ r: YaraCode, _ e: YaraExpression)
        throws(SignatureError) -> YaraCode
    {
        guard case .integer(let a) = l, case .integer(let b) = r else { return .integerOperation(op, l, r) }
        switch op {
        case .divide, .remainder:
            guard b != 0 else { throw fail("division by zero", e) }
        case .shiftLeft, .shiftRight:
            guard b >= 0 else { throw fail("negative shift count", e) }
        default: break
        }
        guard let value = YaraArithmetic.integer(op, a, b, checked: true) else {
            throw fail("integer overflow", e)
        }
        return .integer(value)
    }

    /// A module member, element or call, with what it is.
    private mutating func module(_ e: YaraExpression) throws(SignatureError) -> (YaraModuleCode, YaraSchema) {
        switch e.kind {
        case .identifier(let name):
            if case .object(let slot, let schema) = lookup(name) { return (.variable(slot), schema) }
            guard let module = modules[name] else {
                if lookup(name) != nil || rules[name] != nil || externals[name] != nil {
                    throw fail("\"\(name)\" is not a structure", e)
                }
                throw fail("undefined identifier \"\(name)\"", e)
            }
            return (.root(module: module.index), .structure(module.schema))
        case .field(let base, let name):
            let (code, schema) = try module(base)
            guard case .structure(let members) = schema else { throw fail("\"\(name)\" applied to a non-structure", e) }
            guard let member = members[name] else { throw fail("\"\(name)\" is not a field", e) }
            if case .root(let index) = code {
                let key = RootField(module: index, name: name)
                let cache = rootFields[key] ?? rootFields.count
                rootFields[key] = cache
                return (.rootField(module: index, name, cache: cache), member)
            }
            return (.field(code, name), member)
        case .subscript(let base, let index):
            let (code, schema) = try module(base)
            switch schema {
            case .array(let element): return (.element(code, try integer(index)), element)
            case .dictionary(let element): return (.value(code, try text(index)), element)
            default: throw fail("this expression is not an array or a dictionary", e)
            }
        case .call(let callee, let arguments):
            let base: YaraModuleCode
            let overloads: [YaraFunction]
            switch callee.kind {
            case .field(let structure, let name):
                let (code, schema) = try module(structure)
                guard case .structure(let members) = schema, case .function(let list) = members[name] else {
                    throw fail("\"\(name)\" is not a function", callee)
                }
                (base, overloads) = (code, list)
            default:
                throw fail("only module functions can be called", callee)
            }
            var codes: [YaraCode] = []
            var expressions: [RegexProgram] = []
            var kinds: [YaraArgument] = []
            for argument in arguments {
                if case .regex(let regex) = argument.kind {
                    expressions.append(try program(regex, argument))
                    kinds.append(.regex)
                    continue
                }
                let (code, type) = try compile(argument)
                codes.append(code)
                switch type {
                case .boolean: kinds.append(.boolean)
                case .integer: kinds.append(.integer)
                case .float: kinds.append(.float)
                case .text: kinds.append(.text)
                }
            }
            guard let function = overloads.first(where: { accepts($0.arguments, kinds) }) else {
                throw fail("wrong arguments for this function", e)
            }
            return (.call(base, function, codes, expressions), schema(of: function.result))
        default:
            throw fail("not a module value", e)
        }
    }

    private func accepts(_ declared: [YaraArgument], _ given: [YaraArgument]) -> Bool {
        declared.count == given.count
            && zip(declared, given).allSatisfy { d, g in d == g || (d == .float && g == .integer) }
    }

    private func schema(of type: YaraType) -> YaraSchema {
        switch type {
        case .integer, .boolean: .integer
        case .float: .float
        case .text: .text
        }
    }
}

/// Integer arithmetic as libyara computes it: wrapping at run time (checked for constants), shifts of 64 or
/// more give 0, and division by zero is undefined.
enum YaraArithmetic {
    static func integer(_ op: YaraBinaryOperator, _ a: Int64, _ b: Int64, checked: Bool = false) -> Int64? {
        switch op {
        case .add:
            let (v, o) = a.addingReportingOverflow(b)
            return checked && o ? nil : v
        case .subtract:
            let (v, o) = a.subtractingReportingOverflow(b)
            return checked && o ? nil : v
        case .multiply:
            let (v, o) = a.multipliedReportingOverflow(by: b)
            return checked && o ? nil : v
        case .divide:
            guard b != 0 else { return nil }
            return a.dividedReportingOverflow(by: b).partialValue
        case .remainder:
            guard b != 0 else { return nil }
            return a.remainderReportingOverflow(dividingBy: b).partialValue
        case .bitwiseAnd: return a & b
        case .bitwiseOr: return a | b
        case .bitwiseXor: return a ^ b
        case .shiftLeft:
            guard b >= 0 else { return nil }
            return b >= 64 ? 0 : a << b
        case .shiftRight:
            guard b >= 0 else { return nil }
            return b >= 64 ? 0 : a >> b
        default: return nil
        }
    }
}
