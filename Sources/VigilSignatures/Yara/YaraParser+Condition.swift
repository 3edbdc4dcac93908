/// Conditions, by precedence climbing over libyara's operator table (loosest first): `or`; `and`; `not` and
/// `defined`; `==`, `!=` and the string comparisons; `<` `<=` `>` `>=`; `|`; `^`; `&`; `<<` `>>`; `+` `-`;
/// `*` `\` `%`; unary `-` and `~`.
extension YaraParser {
    private static let binaryLevels: [[YaraBinaryOperator]] = [
        [.or], [.and],
        [.equal, .notEqual, .contains, .icontains, .startswith, .istartswith, .endswith, .iendswith, .iequals],
        [.less, .lessOrEqual, .greater, .greaterOrEqual],
        [.bitwiseOr], [.bitwiseXor], [.bitwiseAnd], [.shiftLeft, .shiftRight], [.add, .subtract],
        [.multiply, .divide, .remainder],
    ]
    /// The level of `not` and `defined`: between `and` and the comparisons.
    private static let prefixLevel = 2

    /// A whole condition (or a parenthesised one).
    mutating func expression() throws(SignatureError) -> YaraExpression { try binary(level: 0) }

    private mutating func nested<T>(_ body: (inout YaraParser) throws(SignatureError) -> T) throws(SignatureError) -> T
    {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumExpressionDepth else {
            throw error("condition nested more than \(Self.maximumExpressionDepth) deep")
        }
        return try body(&self)
    }

    /// The arithmetic and bitwise operators and what they bind (libyara's `primary_expression`).
    mutating func arithmetic() throws(SignatureError) -> YaraExpression { try binary(level: Self.prefixLevel + 2) }

    private mutating func binary(level: Int) throws(SignatureError) -> YaraExpression {
        try nested { (p: inout YaraParser) throws(SignatureError) -> YaraExpression in
            if level == Self.binaryLevels.count { return try p.unary() }
            var left: YaraExpression
            if level == Self.prefixLevel, case .keyword(let word) = p.current.kind, word == "not" || word == "defined" {
                let location = p.here
                try p.advance()
                return YaraExpression(.unary(word == "not" ? .not : .defined, try p.binary(level: level)), at: location)
            }
            left = try p.binary(level: level + 1)
            if level == Self.prefixLevel { left = try p.quantified(left) }
            while true {
                if level == Self.prefixLevel, p.current.kind == .keyword("matches") {
                    try p.advance()
                    guard case .regex(let source, let caseless, let dotAll) = p.current.kind else {
                        throw p.unexpected("a regular expression after 'matches'")
                    }
                    let regex = try p.regex(source, caseless: caseless, dotAll: dotAll, at: p.here)
                    try p.advance()
                    left = YaraExpression(.matches(left, regex), at: left.location)
                    continue
                }
                guard let op = try p.binaryOperator(at: level) else { return left }
                try p.advance()
                let right = try p.binary(level: level + 1)
                left = YaraExpression(.binary(op, left, right), at: left.location)
            }
        }
    }

    /// The operator of this level at the current token, if there is one. A `%` followed by `of` is a percentage,
    /// not a remainder.
    private mutating func binaryOperator(at level: Int) throws(SignatureError) -> YaraBinaryOperator? {
        let spelling: String
        switch current.kind {
        case .punctuation(let p): spelling = p
        case .keyword(let k): spelling = k
        default: return nil
        }
        guard let op = Self.binaryLevels[level].first(where: { $0.rawValue == spelling }) else { return nil }
        if op == .remainder, try peekNext().kind == .keyword("of") { return nil }
        return op
    }

    private mutating func unary() throws(SignatureError) -> YaraExpression {
        let location = here
        switch current.kind {
        case .punctuation("-"):
            try advance()
            return YaraExpression(
                .unary(.negate, try nested { (p: inout YaraParser) throws(SignatureError) in try p.unary() }),
                at: location)
        case .punctuation("~"):
            try advance()
            return YaraExpression(
                .unary(.bitwiseNot, try nested { (p: inout YaraParser) throws(SignatureError) in try p.unary() }),
                at: location)
        default:
            return try primary()
        }
    }

    /// `N of …`, `N% of …` after an operand.
    private mutating func quantified(_ operand: YaraExpression) throws(SignatureError) -> YaraExpression {
        if current.kind == .keyword("of") {
            return try of(.count(operand), at: operand.location)
        }
        if current.kind == .punctuation("%"), try peekNext().kind == .keyword("of") {
            try advance()
            return try of(.percent(operand), at: operand.location)
        }
        return operand
    }

    /// After a quantifier, at `of`: a string set (with `at` or `in`), or a rule set.
    private mutating func of(_ quantifier: YaraQuantifier, at location: SourceLocation)
        throws(SignatureError) -> YaraExpression
    {
        try advance()
        if current.kind == .punctuation("("), case .identifier = try peekNext().kind {
            return YaraExpression(.rulesOf(quantifier, try ruleSet()), at: location)
        }
        let strings = try stringSet()
        var anchor: YaraOfAnchor?
        if current.kind == .keyword("at") {
            try advance()
            anchor = .at(try arithmetic())
        } else if current.kind == .keyword("in") {
            try advance()
            anchor = .within(try range())
        }
        return YaraExpression(.stringsOf(quantifier, strings, anchor), at: location)
    }

    private mutating func stringSet() throws(SignatureError) -> YaraStringSet {
        if current.kind == .keyword("them") {
            try advance()
            return .them
        }
        try expect("(")
        var items: [YaraStringReference] = []
        repeat {
            if !items.isEmpty { try advance() }
            switch current.kind {
            case .stringIdentifier(let id):
                items.append(YaraStringReference(identifier: id, isWildcard: false, location: here))
            case .stringWildcard(let prefix):
                items.append(YaraStringReference(identifier: prefix, isWildcard: true, location: here))
            default: throw unexpected("a string identifier")
            }
            try advance()
        } while current.kind == .punctuation(",")
        try expect(")")
        return .list(items)
    }

    private mutating func ruleSet() throws(SignatureError) -> [YaraRuleReference] {
        try expect("(")
        var items: [YaraRuleReference] = []
        repeat {
            if !items.isEmpty { try advance() }
            guard case .identifier(let name) = current.kind else { throw unexpected("a rule name") }
            let location = here
            try advance()
            var wildcard = false
            if current.kind == .punctuation("*") {
                wildcard = true
                try advance()
            }
            items.append(YaraRuleReference(name: name, isWildcard: wildcard, location: location))
        } while current.kind == .punctuation(",")
        try expect(")")
        return items
    }

    /// `(LOW..HIGH)`.
    private mutating func range() throws(SignatureError) -> YaraRange {
        try expect("(")
        let low = try arithmetic()
        try expect("..")
        let high = try arithmetic()
        try expect(")")
        return YaraRange(low: low, high: high)
    }

    private mutating func primary() throws(SignatureError) -> YaraExpression {
        let location = here
        func make(_ kind: YaraExpression.Kind) -> YaraExpression { YaraExpression(kind, at: location) }
        switch current.kind {
        case .punctuation("("):
            try advance()
            let inner = try expression()
            try expect(")")
            return inner
        case .keyword("true"), .keyword("false"):
            let value = current.kind == .keyword("true")
            try advance()
            return make(.boolean(value))
        case .integer(let value):
            try advance()
            return make(.integer(value))
        case .float(let value):
            try advance()
            return make(.float(value))
        case .text(let bytes):
            try advance()
            return make(.text(bytes))
        case .regex(let source, let caseless, let dotAll):
            let regex = try self.regex(source, caseless: caseless, dotAll: dotAll, at: location)
            try advance()
            return make(.regex(regex))
        case .keyword("filesize"):
            try advance()
            return make(.filesize)
        case .keyword("entrypoint"):
            try advance()
            return make(.entrypoint)
        case .keyword(let word) where word == "all" || word == "any" || word == "none":
            try advance()
            guard current.kind == .keyword("of") else { throw unexpected("'of' after '\(word)'") }
            return try of(word == "all" ? .all : word == "any" ? .any : .none, at: location)
        case .keyword("for"):
            return try forLoop()
        case .stringIdentifier(let id):
            try advance()
            if current.kind == .keyword("at") {
                try advance()
                return make(.stringAt(id, try arithmetic()))
            }
            if current.kind == .keyword("in") {
                try advance()
                return make(.stringIn(id, try range()))
            }
            return make(.stringMatched(id))
        case .stringCount(let id):
            try advance()
            if current.kind == .keyword("in") {
                try advance()
                return make(.stringCount(id, try range()))
            }
            return make(.stringCount(id, nil))
        case .stringOffset(let id), .stringLength(let id):
            let isOffset = if case .stringOffset = current.kind { true } else { false }
            try advance()
            var index: YaraExpression?
            if current.kind == .punctuation("[") {
                try advance()
                index = try expression()
                try expect("]")
            }
            return make(isOffset ? .stringOffset(id, index) : .stringLength(id, index))
        case .identifier(let name):
            try advance()
            if let reader = YaraIntegerReader(name: name), current.kind == .punctuation("(") {
                try advance()
                let offset = try expression()
                try expect(")")
                return make(.readInteger(reader, offset))
            }
            return try postfix(make(.identifier(name)))
        default:
            throw unexpected("an expression")
        }
    }

    /// `.field`, `[index]` and `(arguments)` after an identifier.
    private mutating func postfix(_ base: YaraExpression) throws(SignatureError) -> YaraExpression {
        var expression = base
        while true {
            switch current.kind {
            case .punctuation("."):
                try advance()
                guard case .identifier(let field) = current.kind else { throw unexpected("a field name") }
                try advance()
                expression = YaraExpression(.field(expression, field), at: expression.location)
            case .punctuation("["):
                try advance()
                let index = try self.expression()
                try expect("]")
                expression = YaraExpression(.subscript(expression, index), at: expression.location)
            case .punctuation("("):
                try advance()
                var arguments: [YaraExpression] = []
                while current.kind != .punctuation(")") {
                    if !arguments.isEmpty { try expect(",") }
                    arguments.append(try self.expression())
                }
                try advance()
                expression = YaraExpression(.call(expression, arguments), at: expression.location)
            default:
                return expression
            }
        }
    }

    /// `for QUANTIFIER of STRINGS : ( BODY )` or `for QUANTIFIER VARIABLES in ITERABLE : ( BODY )`.
    private mutating func forLoop() throws(SignatureError) -> YaraExpression {
        let location = here
        try advance()
        let quantifier: YaraQuantifier
        switch current.kind {
        case .keyword("all"): quantifier = .all
        case .keyword("any"): quantifier = .any
        case .keyword("none"): quantifier = .none
        default: quantifier = .count(try arithmetic())
        }
        if case .count = quantifier {} else { try advance() }
        if current.kind == .keyword("of") {
            try advance()
            let strings = try stringSet()
            return YaraExpression(.forOf(quantifier, strings, try loopBody()), at: location)
        }
        var variables: [String] = []
        repeat {
            if !variables.isEmpty { try advance() }
            guard case .identifier(let name) = current.kind else { throw unexpected("a loop variable") }
            guard !variables.contains(name) else { throw error("duplicated loop variable \"\(name)\"") }
            variables.append(name)
            try advance()
        } while current.kind == .punctuation(",")
        guard current.kind == .keyword("in") else { throw unexpected("'in'") }
        try advance()
        let iterable = try self.iterable()
        return YaraExpression(.forIn(quantifier, variables, iterable, try loopBody()), at: location)
    }

    private mutating func iterable() throws(SignatureError) -> YaraIterable {
        guard current.kind == .punctuation("(") else { return .expression(try unary()) }
        try advance()
        let first = try expression()
        if current.kind == .punctuation("..") {
            try advance()
            let high = try expression()
            try expect(")")
            return .range(YaraRange(low: first, high: high))
        }
        var items = [first]
        while current.kind == .punctuation(",") {
            try advance()
            items.append(try expression())
        }
        try expect(")")
        return .enumeration(items)
    }

    private mutating func loopBody() throws(SignatureError) -> YaraExpression {
        try expect(":")
        try expect("(")
        let body = try expression()
        try expect(")")
        return body
    }
}
