import VigilSignatures

/// Compiles parsed YARA sources into ``YaraRules``, one namespace per source, with libyara's checks: known
/// modules, unique rule and string names, rules referring only to earlier rules, every string used by the
/// condition (unless its name starts with `$_`), types.
public struct YaraCompiler {
    private var namespaces: [String] = []
    private var rules: [YaraRules.Rule] = []
    private var strings: [YaraRules.StringEntry] = []
    private var forms: [YaraFormPlan] = []
    private var formPiece: [Int] = []
    private var pieceCount = 0
    /// Per string: whether the scan searches for it (see ``YaraConditionCompiler/searched``).
    private var searched: [Bool] = []
    /// Per string: its forms.
    private var stringForms: [Range<Int>] = []
    /// Per form: the atoms the prefilter watches for it, chosen once its string is known to be searched.
    private var formAtoms: [RegexAtoms?] = []
    private var warnings: [SignatureError] = []
    /// Top-level module fields the conditions read, each with its cache slot.
    private var rootFields: [YaraConditionCompiler.RootField: Int] = [:]
    private let externalValues: [YaraValue]
    private let externals: [String: (index: Int, value: YaraValue)]
    private let modules = YaraModules.all

    /// A compiler whose conditions may read the external variables `externals` (name and value).
    public init(externals: [(name: String, value: YaraValue)] = []) {
        externalValues = externals.map(\.value)
        var table: [String: (index: Int, value: YaraValue)] = [:]
        for (i, e) in externals.enumerated() { table[e.name] = (i, e.value) }
        self.externals = table
    }

    /// Adds `source`'s rules under `namespace` (a namespace added twice is extended).
    public mutating func add(_ source: YaraSource, namespace: String) throws(SignatureError) {
        let ns = namespaces.firstIndex(of: namespace) ?? namespaces.count
        if ns == namespaces.count { namespaces.append(namespace) }
        var imported: [String: (index: Int, schema: [String: YaraSchema])] = [:]
        for statement in source.imports {
            guard let index = modules.firstIndex(where: { $0.name == statement.module }) else {
                throw SignatureError(.malformed, "unknown module \"\(statement.module)\"", at: statement.location)
            }
            imported[statement.module] = (index, modules[index].schema)
        }
        var ruleIndex: [String: Int] = [:]
        var ruleOrder: [String] = []
        for (i, rule) in rules.enumerated() where rule.namespace == ns {
            ruleIndex[rule.name] = i
            ruleOrder.append(rule.name)
        }
        for rule in source.rules {
            guard ruleIndex[rule.name] == nil else {
                throw SignatureError(.malformed, "duplicated identifier \"\(rule.name)\"", at: rule.location)
            }
            let first = strings.count
            for declaration in rule.strings { try add(declaration, rule: rules.count) }
            let declared = (first..<strings.count).map { (strings[$0].identifier, $0) }
            let compiled = try condition(
                rule.condition, strings: declared, rules: ruleIndex, ruleOrder: ruleOrder, modules: imported)
            for (declaration, index) in zip(rule.strings, first..<strings.count) {
                searched[index] = compiled.searched.contains(index) || strings[index].pieces.count > 1
                guard searched[index] else { continue }
                for f in stringForms[index] { formAtoms[f] = forms[f].atoms }
                // Only a string searched for costs a try at every offset; one tested at an offset costs one try.
                if stringForms[index].contains(where: { formAtoms[$0] == nil }) {
                    warnings.append(
                        SignatureError(
                            .unsupported,
                            "string \"\(declaration.identifier)\" may slow down scanning: it has no fixed bytes to look for",
                            at: declaration.location))
                }
            }
            for (declaration, index) in zip(rule.strings, first..<strings.count)
            where !compiled.referenced.contains(index) && !declaration.identifier.hasPrefix("$_") {
                throw SignatureError(
                    .malformed, "unreferenced string \"\(declaration.identifier)\"",
                    at: declaration.location)
            }
            ruleIndex[rule.name] = rules.count
            ruleOrder.append(rule.name)
            rules.append(
                YaraRules.Rule(
                    name: rule.name, namespace: ns, isPrivate: rule.isPrivate, isGlobal: rule.isGlobal, tags: rule.tags,
                    metadata: rule.metadata, strings: first..<strings.count, condition: compiled.code,
                    slotCount: compiled.slotCount))
        }
    }

    /// A rule's condition compiled, with what the compiler learnt of its strings. The condition compiler (and its
    /// references to the namespace's rule table) ends here, so adding the rule afterwards does not copy the table.
    private mutating func condition(
        _ expression: YaraExpression, strings: [(identifier: String, index: Int)], rules: [String: Int],
        ruleOrder: [String], modules: [String: (index: Int, schema: [String: YaraSchema])]
    ) throws(SignatureError) -> (code: YaraCode, searched: Set<Int>, referenced: Set<Int>, slotCount: Int) {
        var compiler = YaraConditionCompiler(
            strings: strings, rules: rules, ruleOrder: ruleOrder, externals: externals, modules: modules)
        swap(&compiler.rootFields, &rootFields)
        defer { swap(&compiler.rootFields, &rootFields) }
        let code = try compiler.condition(expression)
        return (code, compiler.searched, compiler.referenced, compiler.slotCount)
    }

    private mutating func add(_ declaration: YaraStringDeclaration, rule: Int) throws(SignatureError) {
        var plans: [YaraFormPlan]
        var gaps: [ClosedRange<Int>] = []
        var chained = false
        if case .text(let text) = declaration.pattern, text.isEmpty {
            throw SignatureError(.malformed, "empty string \"\(declaration.identifier)\"", at: declaration.location)
        }
        do throws(RegexError) {
            switch declaration.pattern {
            case .text(let text):
                plans = YaraStringForms.text(text, declaration.modifiers)
            case .regex(let regex):
                plans = try YaraStringForms.regex(regex, declaration.modifiers)
            case .hex(let tokens):
                (plans, gaps) = try YaraStringForms.hex(tokens)
                chained = true
            }
        } catch {
            throw SignatureError(.malformed, "\(declaration.identifier): \(error.message)", at: declaration.location)
        }
        var pieces: [Int] = []
        for var plan in plans {
            plan.fullword = declaration.modifiers.fullword
            if chained || pieces.isEmpty {
                pieces.append(pieceCount)
                pieceCount += 1
            }
            forms.append(plan)
            formAtoms.append(nil)
            formPiece.append(pieces[pieces.count - 1])
        }
        searched.append(true)
        stringForms.append((forms.count - plans.count)..<forms.count)
        strings.append(
            YaraRules.StringEntry(
                identifier: declaration.identifier, rule: rule, isPrivate: declaration.modifiers.isPrivate,
                pieces: pieces, gaps: gaps))
    }

    /// The compiled rules.
    public func finish() -> YaraRules {
        YaraRules(
            namespaces: namespaces, rules: rules, strings: strings, searched: searched, forms: forms, atoms: formAtoms,
            formPiece: formPiece, pieceCount: pieceCount, rootFieldCount: rootFields.count, externals: externalValues,
            modules: modules, warnings: warnings)
    }
}
