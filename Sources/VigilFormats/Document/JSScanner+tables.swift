extension JSScanner {
    /// The class of each byte where a token starts (`ctype` in `js-norm.c`): 0 skipped, 1 `/`, 2 operator,
    /// 3 `"`, 4 `'`, 5 digit, 6 identifier start (letters, `$`, `_`, `\`), 7 punctuation.
    static let characterClass: [UInt8] = (0..<256).map { c -> UInt8 in
        switch UInt8(c) {
        case UInt8(ascii: "/"): 1
        case UInt8(ascii: "\""): 3
        case UInt8(ascii: "'"): 4
        case 0x30...0x39: 5
        case 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "$"), UInt8(ascii: "_"), UInt8(ascii: "\\"): 6
        case UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ","), UInt8(ascii: "{"), UInt8(ascii: "}"),
            UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "."), UInt8(ascii: ";"):
            7
        case _ where Array("!%&*+-:<=>?^|~".utf8).contains(UInt8(c)): 2
        default: 0
        }
    }

    /// The class of each byte inside an identifier (`id_ctype`): 1 part of it (letters, digits, `$`, `_`),
    /// 2 the backslash of a `\u` escape, 0 the end.
    static let identifierClass: [UInt8] = (0..<256).map { c -> UInt8 in
        switch UInt8(c) {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "$"), UInt8(ascii: "_"): 1
        case UInt8(ascii: "\\"): 2
        default: 0
        }
    }

    /// The token of a punctuation byte.
    static func punctuation(_ c: UInt8) -> JSToken {
        let type: JSTokenType =
            switch c {
            case UInt8(ascii: "["): .bracketOpen
            case UInt8(ascii: "]"): .bracketClose
            case UInt8(ascii: ","): .comma
            case UInt8(ascii: "{"): .curlyOpen
            case UInt8(ascii: "}"): .curlyClose
            case UInt8(ascii: "("): .parOpen
            case UInt8(ascii: ")"): .parClose
            case UInt8(ascii: "."): .dot
            default: .semicolon
            }
        return JSToken(type: type, value: .text(punctuationText[Int(c)]))
    }

    /// One shared one-byte array for each byte, so that punctuation tokens allocate nothing.
    static let punctuationText: [[UInt8]] = (0..<256).map { [UInt8($0)] }

    /// The operators (`operators.gperf`), keyed by their bytes packed big-endian into an integer.
    static let operators: [UInt32: [UInt8]] = {
        let all = [
            "=", "+", "===", ">>>", "!==", "<<", "<=", "==", ">=", ">>", "||", "--", "!=", "&&", "++", "*=", "/=",
            "%=", "+=", "-=", "<<=", ">>=", ">>>=", "&=", "^=", "|=", "&", ":", "/", "!", ">", "<", "-", "*", "|",
            "%", "?", "~", "^",
        ]
        var table: [UInt32: [UInt8]] = [:]
        for text in all { table[text.utf8.reduce(0) { $0 << 8 | UInt32($1) }] = Array(text.utf8) }
        return table
    }()

    /// The reserved words (ECMAScript 3 keywords, future reserved words, `null`, `true`, `false`): never
    /// renamed.
    static let keywords: [[UInt8]: JSTokenType] = {
        let words =
            "break case catch continue default delete do else finally for if in instanceof new return switch this"
            + " throw try typeof void while with null true false abstract boolean byte char class const debugger"
            + " double enum export extends final float goto implements import int interface long native package"
            + " private protected public short static super synchronized throws transient volatile"
        var table: [[UInt8]: JSTokenType] = [:]
        for word in words.split(separator: " ") { table[Array(word.utf8)] = .other }
        table[Array("var".utf8)] = .var
        table[Array("function".utf8)] = .function
        return table
    }()
}
