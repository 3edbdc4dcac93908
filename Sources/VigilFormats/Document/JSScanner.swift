import Glibc

/// The kinds of JavaScript token libclamav's normaliser tells apart (`lexglobal.h`; keywords and operators
/// that need no special handling share ``other``).
enum JSTokenType: UInt8 {
    case identifier, unnormalizedIdentifier, other, bracketOpen, bracketClose, comma, curlyOpen, curlyClose
    case parOpen, parClose, dot, semicolon, numericInt, numericFloat, string, plus, `var`, function
}

/// A token's value, as libclamav's `yystype` union tagged by `vtype`.
enum JSValue {
    /// No value.
    case none
    /// `cstring`: keyword, operator or punctuation text, or an identifier's name.
    case text([UInt8])
    /// `string`: a string literal's decoded text or a member name; nil once taken by `eval`.
    case string([UInt8]?)
    /// `scope`: a `function` token's scope, nil for the marker at a function's end.
    case scope(Int?)
    /// `dval`.
    case float(Double)
    /// `ival`.
    case int(Int)

    /// `TOKEN_GET(token, cstring)`.
    var cstring: [UInt8]? {
        switch self {
        case .text(let text): text
        case .string(let string): string
        default: nil
        }
    }
}

/// A JavaScript token.
struct JSToken {
    /// What the token is.
    var type: JSTokenType
    /// Its text or number.
    var value: JSValue
}

/// libclamav's hand-written JavaScript tokenizer (`js-norm.c`, `yylex`): it resumes across buffers inside
/// strings, numbers, identifiers and comments.
struct JSScanner {
    /// Where the tokenizer is between buffers.
    enum State {
        case initial, multilineComment, singleLineComment, number, doubleQuoted, singleQuoted, identifier, dummy
    }

    /// Where the tokenizer is, and where it was at the last call (to skip a byte it is stuck on).
    var state = State.initial
    var lastState = State.dummy
    /// The next byte of the current buffer, and where the last call started.
    var pos = 0
    var lastPos = -1
    /// `text_buffer`: the token being read.
    var buffer: [UInt8] = []

    /// `yy_scan_bytes`.
    mutating func start() {
        pos = 0
        lastPos = -1
        lastState = .dummy
    }

    /// `yylex`: the next token of `input`, or nil at its end (or inside an unfinished token). Identifiers
    /// come back with no value: their text is in ``buffer``.
    mutating func next(_ input: UnsafeBufferPointer<UInt8>) -> JSToken? {
        if pos == lastPos, lastState == state { pos += 1 }  // "infloop detected, skipping character"
        lastPos = pos
        lastState = state
        while pos < input.count {
            switch state {
            case .initial:
                buffer.removeAll(keepingCapacity: true)
                let c = input[pos]
                pos += 1
                switch Self.characterClass[Int(c)] {
                case 0:  // blank or ignored
                    continue
                case 1:  // slash
                    if pos < input.count, input[pos] == UInt8(ascii: "*") || input[pos] == UInt8(ascii: "/") {
                        state = input[pos] == UInt8(ascii: "*") ? .multilineComment : .singleLineComment
                        pos += 1
                        continue
                    }
                    pos -= 1
                    return op(input)
                case 2:
                    pos -= 1
                    return op(input)
                case 3:
                    return string(input, quote: UInt8(ascii: "\""), resume: .doubleQuoted)
                case 4:
                    return string(input, quote: UInt8(ascii: "'"), resume: .singleQuoted)
                case 5:
                    pos -= 1
                    return number(input)
                case 6:
                    pos -= 1
                    return identifier(input)
                default:
                    return Self.punctuation(c)
                }
            case .doubleQuoted:
                return string(input, quote: UInt8(ascii: "\""), resume: .doubleQuoted)
            case .singleQuoted:
                return string(input, quote: UInt8(ascii: "'"), resume: .singleQuoted)
            case .identifier:
                return identifier(input)
            case .number:
                return number(input)
            case .multilineComment:
                while pos + 1 < input.count {
                    if input[pos] == UInt8(ascii: "*"), input[pos + 1] == UInt8(ascii: "/") {
                        state = .initial
                        pos += 1
                        break
                    }
                    pos += 1
                }
                pos += 1
            case .singleLineComment:
                // htmlnorm turns newlines into blanks, so a blank ends the comment too.
                while pos < input.count, input[pos] != 0x0A, input[pos] != 0x20 { pos += 1 }
                state = .initial
            case .dummy:
                return nil
            }
        }
        return nil
    }

    /// `parseOperator`: the longest operator (at most 5 bytes) at `pos`.
    mutating func op(_ input: UnsafeBufferPointer<UInt8>) -> JSToken? {
        var length = min(4, input.count - pos)  // no operator is longer than 4 bytes
        while length > 0 {
            var key: UInt32 = 0
            for k in 0..<length { key = key << 8 | UInt32(input[pos + k]) }
            if let text = Self.operators[key] {
                pos += length
                return JSToken(type: key == 0x2B ? .plus : .other, value: .text(text))
            }
            length -= 1
        }
        pos += 1
        return JSToken(type: .other, value: .none)
    }

    /// `parseString`: a quoted string up to its unescaped quote, with escapes decoded.
    mutating func string(_ input: UnsafeBufferPointer<UInt8>, quote: UInt8, resume: State) -> JSToken? {
        let start = pos
        var search = start
        var end: Int?
        while search < input.count, let found = input[search...].firstIndex(of: quote) {
            if found > start, input[found - 1] == UInt8(ascii: "\\") {
                search = found + 1
                continue
            }
            end = found
            break
        }
        let length = (end ?? input.count) - start
        JSText.appendUnescaped(input[start..<(start + length)], to: &buffer)
        guard end != nil else {
            pos += length
            state = resume
            return nil
        }
        pos += length + 1
        let text = buffer
        buffer.removeAll(keepingCapacity: true)
        state = .initial
        return JSToken(type: .string, value: .string(text))
    }

    /// `parseNumber`: digits, one `.`, and an exponent only after a `.`.
    mutating func number(_ input: UnsafeBufferPointer<UInt8>) -> JSToken? {
        var isFloat = false
        while pos < input.count {
            var c = input[pos]
            pos += 1
            if isCDigit(c) {
                buffer.append(c)
                continue
            }
            if c == UInt8(ascii: "."), !isFloat {
                isFloat = true
                buffer.append(c)
                continue
            }
            if c == UInt8(ascii: "e") || c == UInt8(ascii: "E"), isFloat {
                buffer.append(c)
                if pos < input.count {
                    c = input[pos]
                    pos += 1
                    if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || isCDigit(c) {
                        buffer.append(c)
                        continue
                    }
                }
            }
            pos -= 1
            state = .initial
            if isFloat {
                let value = (buffer + [0]).withUnsafeBufferPointer { p in
                    p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { strtod($0, nil) }
                }
                return JSToken(type: .numericFloat, value: .float(value))
            }
            return JSToken(type: .numericInt, value: .int(Self.atoi(buffer)))
        }
        state = .number
        return nil
    }

    /// `atoi`: `strtol` clamped to `LONG_MAX`, then cut to an `int`.
    static func atoi(_ digits: [UInt8]) -> Int {
        var value: Int64 = 0
        for c in digits {
            guard isCDigit(c) else { break }
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(c - 0x30))
            if overflow || overflow2 {
                value = .max
                break
            }
            value = sum
        }
        return Int(Int32(truncatingIfNeeded: value))
    }

    /// `parseId`: an identifier or keyword; `\u` keeps only its backslash, another escape ends the name.
    mutating func identifier(_ input: UnsafeBufferPointer<UInt8>) -> JSToken? {
        state = .initial
        while pos < input.count {
            let c = input[pos]
            pos += 1
            let kind = Self.identifierClass[Int(c)]
            if kind == 1 {
                buffer.append(c)
                continue
            }
            if kind == 2 {
                if pos < input.count {
                    let next = input[pos]
                    pos += 1
                    if next == UInt8(ascii: "u") {
                        buffer.append(c)
                        continue
                    }
                }
                if pos == input.count { pos += 1 }
            }
            pos -= 1
            if let index = Self.keywords.index(forKey: buffer) {
                let (name, type) = Self.keywords[index]
                return JSToken(type: type, value: .text(name))  // the table's array, shared
            }
            return JSToken(type: .identifier, value: .none)
        }
        state = .identifier
        return nil
    }
}
