/// Macro subsignatures (`${MIN-MAX}GROUP$`), evaluated as clamscan 1.4 does (libclamav `lsig_sub_matched` and
/// `cli_ac_chkmacro`).
///
/// clamscan checks a macro while it counts the constrained subsignature A: from A's second counted match on,
/// the *previous* counted start P must have the latest member start M of the group (so far) at
/// `P + MIN ≤ M ≤ P + MAX`; if so the macro counts one more match, else A's count drops back by one. After the
/// layer the check runs once more. So a single match of A never satisfies its macro, and A's own count
/// changes. Vigil logs A's and the group's matches during the scan and replays that here in the order clamscan
/// finds them (by start; a split pattern by its end; a member before A at the same position), checking the
/// starts clamscan records (a split pattern's first part's).
extension CompiledLogical {
    /// The counts to use instead of the scan's for each constrained subsignature and its macro.
    func macroCounts(_ state: BodyScanState) -> [(slot: Int, count: Int)] {
        var result: [(slot: Int, count: Int)] = []
        for (index, macro, split) in macros {
            let constrained = firstSlot + index - 1
            let matches = state.loggedMatches(constrained).sorted()
            let members = state.loggedMatches(state.macroSlot(target: target, group: macro.group)).map(\.start).sorted()
            // clamscan keeps the bounds in 16 bits (`ch_mindist`, `ch_maxdist`).
            let minimum = macro.minimum & 0xFFFF, maximum = macro.maximum & 0xFFFF
            func holds(_ previous: Int, _ member: Int?) -> Bool {
                guard let member else { return false }
                return previous + minimum <= member && member <= previous + maximum
            }
            var count = 0, macroCount = 0
            var last: Int?
            var latestMember: Int?
            var nextMember = 0
            for match in matches {
                while nextMember < members.count, members[nextMember] <= match.position {
                    latestMember = members[nextMember]
                    nextMember += 1
                }
                // clamscan's repeat rule: a start counts only past the last one (a split pattern's, at or past).
                let position = match.start
                if let last, split ? position < last : position <= last { continue }
                count += 1
                guard count > 1, let previous = last else {
                    last = position
                    continue
                }
                if holds(previous, latestMember) {
                    macroCount += 1
                } else {
                    count -= 1
                    last = position
                }
            }
            if count > 1, let previous = last {
                if holds(previous, members.last) { macroCount += 1 } else { count -= 1 }
            }
            result.append((constrained, count))
            result.append((firstSlot + index, macroCount))
        }
        return result
    }
}
