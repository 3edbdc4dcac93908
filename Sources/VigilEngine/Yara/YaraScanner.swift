import VigilSignatures

/// Matches compiled YARA rules against one file: one prefilter pass for every string's atoms, each hit
/// verified at its candidate starts, then the conditions in rule order.
///
/// Matching follows libyara 4.5: every start where a string matches is a match (overlapping ones included), a
/// regular expression's match is its leftmost-first one from that start, no match reaches more than
/// ``reach`` bytes before or after the atom that found it, and a string keeps at most ``maximumMatches``.
struct YaraScanner {
    /// libyara's `YR_RE_SCAN_LIMIT`: how far a regular expression is followed either side of its atom.
    static let reach = 1024
    /// libyara's `YR_MAX_STRING_MATCHES`.
    static let maximumMatches = 1_000_000

    let rules: YaraRules
    let data: UnsafeRawBufferPointer
    var verifier: YaraVerifier
    private var pieces: [[YaraStringMatch]]
    /// Starts already tried for an expression form whose start is not fixed by its atom: `form << 32 | start`.
    private var tried: Set<Int> = []

    init(rules: YaraRules, data: UnsafeRawBufferPointer) {
        self.rules = rules
        self.data = data
        verifier = YaraVerifier(rules: rules, data: data)
        pieces = Array(repeating: [], count: rules.pieceCount)
    }

    /// The rules that match, in declaration order (private rules left out).
    /// With `details`, each match lists every match of its rule's non-private strings.
    mutating func scan(details: Bool) -> [YaraRuleMatch] {
        let passing = rules.gates.map { $0.holds(in: data) }
        findStrings(rules.search(passing: rules.gates.indices.filter { passing[$0] && rules.gateSearched[$0] }))
        var chained: [Int: [YaraStringMatch]] = [:]
        for s in rules.chainedStrings { chained[s] = stringMatches(rules.strings[s]) }
        var evaluator = YaraEvaluator(
            data: data, pieces: pieces, chained: chained, verifier: verifier, externals: rules.externals,
            rules: Array(repeating: false, count: rules.rules.count),
            moduleValues: Array(repeating: nil, count: rules.modules.count), modules: rules.modules,
            rootFields: Array(repeating: nil, count: rules.rootFieldCount))
        var anchored = Array(repeating: false, count: rules.anchorGroups.isEmpty ? 0 : rules.conditions.count)
        for group in rules.anchorGroups {
            if let at = evaluator.integer(group.offset), at >= 0, at < data.count {
                for index in group.rules[Int(data[Int(at)])] { anchored[Int(index)] = true }
            }
        }
        for index in rules.conditions.indices {
            let gate = Int(rules.ruleGate[index])
            if gate >= 0, !passing[gate] { continue }
            if rules.anchorGroup[index] >= 0, !anchored[index] { continue }
            let (start, end) = rules.requirements[index]
            if start >= 0, !(start..<end).contains(where: { evaluator.found(Int(rules.requiredStrings[Int($0)])) }) {
                continue
            }
            let slotCount = rules.slotCounts[index]
            if evaluator.slots.count < slotCount {
                evaluator.slots += Array(repeating: .undefined, count: slotCount - evaluator.slots.count)
            }
            evaluator.rules[index] = evaluator.boolean(rules.conditions[index]) == true
        }
        var failedNamespaces = Set<Int>()
        for (index, rule) in rules.rules.enumerated() where rule.isGlobal && !evaluator.rules[index] {
            failedNamespaces.insert(rule.namespace)
        }
        var out: [YaraRuleMatch] = []
        for (index, rule) in rules.rules.enumerated()
        where evaluator.rules[index] && !rule.isPrivate && !failedNamespaces.contains(rule.namespace) {
            out.append(
                YaraRuleMatch(
                    namespace: rules.namespaces[rule.namespace], rule: rule.name, tags: rule.tags,
                    metadata: rule.metadata,
                    strings: !details
                        ? []
                        : rule.strings.compactMap { s in
                            let found = rules.searched[s] ? evaluator.matches(s) : verifier.search(string: s)
                            return rules.strings[s].isPrivate || found.isEmpty
                                ? nil : (rules.strings[s].identifier, found)
                        }))
        }
        return out
    }

    // MARK: Strings

    private mutating func findStrings(_ search: YaraSearch) {
        if let prefilter = search.prefilter {
            let entries = search.entries
            prefilter.scan(data) { id, position in
                let entry = entries[id]
                let form = Int(entry.form)
                let high = entry.high < 0 ? Self.reach : Int(entry.high)
                let latest = position - Int(entry.low)
                let earliest = max(0, position - high)
                guard latest >= 0 else { return true }
                if earliest == latest {
                    check(form, at: latest, atom: position)
                } else {
                    for start in earliest...latest where tried.insert(form << 32 | start).inserted {
                        check(form, at: start, atom: position)
                    }
                }
                return true
            }
        }
        for form in search.everywhere { checkEverywhere(form) }
        for p in pieces.indices where pieces[p].count > 1 {
            pieces[p].sort { $0.offset < $1.offset }
            var kept: [YaraStringMatch] = []
            kept.reserveCapacity(pieces[p].count)
            for m in pieces[p] where kept.last?.offset != m.offset { kept.append(m) }
            pieces[p] = kept
        }
    }

    private mutating func checkEverywhere(_ form: Int) {
        let plan = rules.forms[form]
        switch plan.form {
        case .masked(let bytes):
            for start in 0..<data.count where bytes.canBegin(with: data[start]) { check(form, at: start, atom: start) }
        case .expression(_, let firstBytes):
            for start in 0...data.count where start == data.count || firstBytes.contains(data[start]) {
                check(form, at: start, atom: start)
            }
        }
    }

    private mutating func check(_ form: Int, at start: Int, atom: Int) {
        let piece = rules.formPiece[form]
        guard pieces[piece].count < Self.maximumMatches, let length = verifier.length(form, at: start, atom: atom)
        else { return }
        pieces[piece].append(YaraStringMatch(offset: start, length: length))
    }

    /// A string's matches: its one piece's, or for a chained hex string, each first piece's match joined to
    /// the nearest match of each next piece within its gap.
    private func stringMatches(_ entry: YaraRules.StringEntry) -> [YaraStringMatch] {
        guard entry.pieces.count > 1 else { return pieces[entry.pieces[0]] }
        var out: [YaraStringMatch] = []
        for head in pieces[entry.pieces[0]] {
            var end = head.offset + head.length
            var complete = true
            for (k, gap) in entry.gaps.enumerated() {
                let next = pieces[entry.pieces[k + 1]]
                let low = end + gap.lowerBound
                let high = gap.upperBound == Int.max ? Int.max : end + gap.upperBound
                guard let i = next.firstIndex(atOrAfter: Int64(clamping: low)), next[i].offset <= high else {
                    complete = false
                    break
                }
                end = next[i].offset + next[i].length
            }
            if complete { out.append(YaraStringMatch(offset: head.offset, length: end - head.offset)) }
        }
        return out
    }
}

extension YaraRules {
    /// The rules that match `data`, in declaration order (private rules and rules of a namespace whose global
    /// rule failed left out).
    /// With `details` (the default), each match lists every match of its rule's non-private strings.
    public func scan(_ data: UnsafeRawBufferPointer, details: Bool = true) -> [YaraRuleMatch] {
        var scanner = YaraScanner(rules: self, data: data)
        return scanner.scan(details: details)
    }
}
