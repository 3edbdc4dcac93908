/// Which strings a condition cannot hold without: a set of searched strings at least one of which must have
/// matched. A rule whose requirement no match meets is false without being evaluated, so a file costs
/// only the rules some of whose strings it contains (and those that need none).
enum YaraRequirement {
    /// The strings of which at least one must match for `code` to hold, or nil when there is no such set (or
    /// it would include a string that is not searched, whose matches the scan does not know).
    static func strings(_ code: YaraCode, searched: [Bool]) -> Set<Int>? {
        func known(_ set: Set<Int>) -> Set<Int>? { set.allSatisfy { searched[$0] } ? set : nil }
        switch code {
        case .found(.string(let s)), .foundAt(.string(let s), _), .foundIn(.string(let s), _, _):
            return known([s])
        case .and(let items):
            return items.compactMap { strings($0, searched: searched) }.min { $0.count < $1.count }
        case .or(let items):
            var union = Set<Int>()
            for item in items {
                guard let set = strings(item, searched: searched) else { return nil }
                union.formUnion(set)
            }
            return union
        case .stringsOf(let q, let members, _), .forOf(let q, let members, _, _):
            switch q {
            case .none: return nil
            case .count(.integer(let n)) where n < 1: return nil
            case .count(let n):
                if case .integer = n {} else { return nil }
            case .percent(let p):
                if case .integer = p {} else { return nil }
            default: break
            }
            if case .forOf(_, _, let slot, let body) = code, !needsCurrent(body, slot: slot) { return nil }
            return known(Set(members))
        default:
            return nil
        }
    }

    /// Whether `body` cannot hold unless the loop's current string (in `slot`) matched.
    private static func needsCurrent(_ body: YaraCode, slot: Int) -> Bool {
        switch body {
        case .found(.current(let s)), .foundAt(.current(let s), _), .foundIn(.current(let s), _, _): return s == slot
        case .and(let items): return items.contains { needsCurrent($0, slot: slot) }
        case .or(let items): return items.allSatisfy { needsCurrent($0, slot: slot) }
        default: return false
        }
    }
}
