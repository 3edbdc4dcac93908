extension JSNormalizer {
    /// A decoder's finding: replace tokens `begin..<end` by the tokens of `text` (or, with `append`, delete
    /// them and add those at the end).
    struct Decoded {
        var begin: Int
        var end: Int
        var text: [UInt8]
        var append = false
    }

    /// The type of the token at `index`, nil past the end (where libclamav reads stale memory).
    func type(_ index: Int) -> JSTokenType? { index >= 0 && index < tokens.count ? tokens[index].type : nil }

    /// Whether the token at `index` is an identifier named `name`.
    func isIdentifier(_ index: Int, _ name: String) -> Bool {
        type(index) == .identifier && tokens[index].value.cstring?.elementsEqual(name.utf8) == true
    }

    /// `replace_token_range`.
    mutating func replace(_ begin: Int, _ end: Int, with new: [JSToken]) {
        guard begin < tokens.count, end <= tokens.count, begin <= end else { return }
        tokens.replaceSubrange(begin..<end, with: new)
    }

    /// `run_folders`: `unescape("...")` becomes the unescaped string.
    mutating func foldUnescape() {
        var i = 0
        while i < tokens.count {
            if i + 2 < tokens.count, isIdentifier(i, "unescape"), type(i + 1) == .parOpen, type(i + 2) == .string {
                let text = JSText.unescape(tokens[i + 2].value.cstring ?? [])
                replace(i, i + 4, with: [JSToken(type: .string, value: .string(text))])
            }
            i += 1
        }
    }

    /// `run_decoders`: packer, `dF` and `eval` calls are replaced by the tokens of the code they decode
    /// (nested at most 16 deep).
    mutating func runDecoders() {
        var i = 0
        while i < tokens.count {
            var found: Decoded?
            if tokens[i].type == .function, i + 13 < tokens.count {
                var name: [UInt8]?
                i += 1
                if tokens[i].type == .identifier {
                    name = tokens[i].value.cstring
                    i += 1
                }
                if matchParameters(at: i, "packer") || matchParameters(at: i, "packed") {
                    found = unpack(from: i, calling: name)
                }
            } else if i + 2 < tokens.count, isIdentifier(i, "dF"), type(i + 1) == .parOpen {
                found = decodeDF(at: i + 2)
            } else if i + 2 < tokens.count, isIdentifier(i, "eval"), type(i + 1) == .parOpen {
                found = takeEval(at: i + 2)
            }
            if let found, found.end > found.begin {
                var end = found.end
                if type(end) == .semicolon { end += 1 }
                let parent = tokens
                tokens = []
                recursion += 1
                if recursion <= 16 {
                    found.text.withUnsafeBufferPointer { process($0) }
                    recursion -= 1
                }
                let nested = tokens
                tokens = parent
                if found.append {
                    replace(found.begin, end, with: [])
                    tokens += nested
                } else {
                    replace(found.begin, end, with: nested)
                }
            }
            if i < tokens.count, tokens[i].type == .function, case .scope(let scope) = tokens[i].value {
                if let scope {
                    current = scope
                } else if let parent = scopes[current].parent {
                    current = parent
                }
            }
            i += 1
        }
    }

    /// `match_parameters`: `(` then the one-letter names of `letters`, comma-separated, then `)`.
    func matchParameters(at start: Int, _ letters: String) -> Bool {
        guard type(start) == .parOpen else { return false }
        var i = start + 1
        let names = Array(letters.utf8)
        for (k, letter) in names.enumerated() {
            guard type(i) == .identifier, tokens[i].value.cstring == [letter] else { return false }
            i += 1
            guard type(i) == (k + 1 < names.count ? .comma : .parClose) else { return false }
            i += 1
        }
        return true
    }

    /// `handle_de`: after a packer function's end, its call's six arguments (the call by `name`, or the
    /// immediate one) are replaced by the unpacked code.
    func unpack(from start: Int, calling name: [UInt8]?) -> Decoded? {
        var i = start
        var nesting = 1
        while i < tokens.count {
            if tokens[i].type == .function, case .scope(let scope) = tokens[i].value {
                nesting += scope == nil ? -1 : 1
                if nesting == 0 { break }
            }
            i += 1
        }
        guard nesting == 0 else { return nil }
        var parameters = [Int?](repeating: nil, count: 6)
        var text: [UInt8] = []
        func arguments(_ i: inout Int) {
            var j = 0
            while j < 6, i < tokens.count {
                parameters[j] = i
                i += 1
                let stop: JSTokenType = j != 5 ? .comma : .parClose
                while i < tokens.count, tokens[i].type != stop { i += 1 }
                i += 1
                j += 1
            }
            if j == 6 { text = unpackedText(parameters.map { $0! }) }
        }
        if let name {
            while i + 2 < tokens.count {
                if tokens[i].type == .identifier, tokens[i].value.cstring == name, type(i + 1) == .parOpen {
                    i += 2
                    arguments(&i)
                }
                i += 1
            }
        } else {
            while i < tokens.count, tokens[i].type != .parOpen { i += 1 }
            i += 1
            guard i < tokens.count else { return nil }
            arguments(&i)
        }
        guard let first = parameters[0], let last = parameters[5] else { return nil }
        var end = last + 1
        if type(end) == .bracketOpen, type(end + 1) == .bracketClose, type(end + 2) == .parClose {
            end += 3
        } else {
            end += 1
        }
        return Decoded(begin: first, end: end, text: text)
    }

    /// `decode_de`: the packer's payload with each word (a number in base `a`) replaced by that entry of
    /// the `|`-separated dictionary.
    func unpackedText(_ parameters: [Int]) -> [UInt8] {
        guard let payload = tokens[parameters[0]].value.cstring,
            case .string(let dictionary?) = tokens[parameters[3]].value
        else { return [] }
        var base = -1
        if case .int(let value) = tokens[parameters[1]].value { base = value }
        let p = Array(payload.prefix { $0 != 0 })
        let words = dictionary.prefix { $0 != 0 }.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
        var out: [UInt8] = []
        var i = 0
        repeat {
            while i < p.count, !isCAlnum(p[i]) {
                if p[i] == UInt8(ascii: "\\"), i + 1 < p.count,
                    p[i + 1] == UInt8(ascii: "'") || p[i + 1] == UInt8(ascii: "\"")
                {
                    i += 1
                } else {
                    out.append(p[i])
                    i += 1
                }
            }
            if i >= p.count { break }
            var value: UInt32 = 0
            let start = i
            while i < p.count, isCAlnum(p[i]) {
                let v = p[i]
                i += 1
                let x =
                    v >= UInt8(ascii: "a")
                    ? 10 + Int(v) - 0x61 : v >= UInt8(ascii: "A") ? 36 + Int(v) - 0x41 : Int(v) - 0x30
                value = UInt32(truncatingIfNeeded: Int64(value) &* Int64(base) &+ Int64(x))
            }
            if Int(value) >= words.count || words[Int(value)].isEmpty {
                out.append(contentsOf: p[start..<i])
            } else {
                out.append(contentsOf: words[Int(value)])
            }
        } while i < p.count
        return out
    }

    /// `handle_df`: scriptasylum's encoder: `dF("...")` unescaped, shifted down by its last digit, and
    /// unescaped again; the code goes to the end of the script.
    mutating func decodeDF(at start: Int) -> Decoded? {
        guard type(start) == .string, case .string(let string?) = tokens[start].value else { return nil }
        var text = Array(string.prefix { $0 != 0 })
        // An empty string would make libclamav read before it; nothing is decoded.
        guard let last = text.last else { return nil }
        let shift = last &- UInt8(ascii: "0")
        text.removeLast()
        tokens[start].value = .string(text)
        var shifted = JSText.unescape(text)
        for k in shifted.indices { shifted[k] &-= shift }
        let decoded = JSText.unescape(Array(shifted.prefix { $0 != 0 }))
        return Decoded(begin: start - 2, end: start + 2, text: decoded, append: true)
    }

    /// `handle_eval`: `eval("code")` is replaced by the tokens of the code.
    mutating func takeEval(at start: Int) -> Decoded? {
        guard case .string(let code?) = tokens[start].value, type(start + 1) == .parClose else { return nil }
        tokens[start].value = .string(nil)
        return Decoded(begin: start - 2, end: start + 2, text: Array(code.prefix { $0 != 0 }))
    }
}
