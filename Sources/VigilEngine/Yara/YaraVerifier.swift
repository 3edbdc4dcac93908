import VigilSignatures

/// Checks YARA string forms at a start: the one test behind the scan's candidates, the conditions' offsets for
/// strings that are not searched, and a report's search for those strings.
struct YaraVerifier {
    let rules: YaraRules
    let data: UnsafeRawBufferPointer
    /// The regular-expression search's buffers, reused from one check to the next.
    private var scratch = RegexScratch()

    init(rules: YaraRules, data: UnsafeRawBufferPointer) {
        self.rules = rules
        self.data = data
    }

    /// The length of `form`'s match starting at `start`, found from an atom at `atom` (the match reaches at
    /// most ``YaraScanner/reach`` bytes past it), if it matches there and `fullword` allows it.
    mutating func length(_ form: Int, at start: Int, atom: Int) -> Int? {
        let length: Int
        // Fields read one at a time: binding the whole plan would retain every array in it, per candidate.
        switch rules.forms[form].form {
        case .masked(let bytes):
            guard bytes.matches(data, at: start) else { return nil }
            length = bytes.count
        case .expression(let program, _):
            guard start >= 0, start <= data.count,
                let match = program.firstMatch(
                    in: data, from: start, anchored: true, limit: min(data.count, max(atom, start) + YaraScanner.reach),
                    scratch: &scratch)
            else { return nil }
            length = match.end - start
        }
        if rules.forms[form].fullword, !delimited(start, start + length, wide: rules.forms[form].wide) { return nil }
        return length
    }

    /// Whether string `s` (of one piece) matches starting at `offset`.
    mutating func matches(string s: Int, at offset: Int64) -> Bool {
        guard offset >= 0, offset <= Int64(data.count) else { return false }
        for f in rules.pieceForms[rules.firstPiece[s]] where length(f, at: Int(offset), atom: Int(offset)) != nil {
            return true
        }
        return false
    }

    /// Every match of string `s` (of one piece), tried at each position its forms can begin.
    mutating func search(string s: Int) -> [YaraStringMatch] {
        let forms = rules.pieceForms[rules.firstPiece[s]]
        var out: [YaraStringMatch] = []
        for start in 0...data.count where out.count < YaraScanner.maximumMatches {
            for f in forms where start < data.count ? rules.forms[f].canBegin(with: data[start]) : true {
                if let n = length(f, at: start, atom: start) {
                    out.append(YaraStringMatch(offset: start, length: n))
                    break
                }
            }
        }
        return out
    }

    /// Whether the match is not part of a longer word: no letter or digit (followed by a zero, when wide) right
    /// before or after it.
    private func delimited(_ start: Int, _ end: Int, wide: Bool) -> Bool {
        if wide {
            if start >= 2, data[start - 1] == 0, ASCII.isAlphanumeric(data[start - 2]) { return false }
            if end + 1 < data.count, data[end + 1] == 0, ASCII.isAlphanumeric(data[end]) { return false }
            return true
        }
        if start >= 1, ASCII.isAlphanumeric(data[start - 1]) { return false }
        if end < data.count, ASCII.isAlphanumeric(data[end]) { return false }
        return true
    }
}

extension YaraFormPlan {
    /// Whether a match of the form can begin with `byte`.
    func canBegin(with byte: UInt8) -> Bool {
        switch form {
        case .masked(let bytes): return bytes.canBegin(with: byte)
        case .expression(_, let first): return first.contains(byte)
        }
    }
}
