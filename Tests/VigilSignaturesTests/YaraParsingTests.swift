import Testing
import VigilSignatures

private func parseYara(_ text: String, file: String = "rules.yar") throws(SignatureError) -> YaraSource {
    try YaraParser.parse(Array(text.utf8), file: file)
}

private func yaraError(_ text: String) -> SignatureError? {
    do {
        _ = try parseYara(text)
        return nil
    } catch { return error }
}

/// The condition of a one-rule source, printed back with every operation parenthesised.
private func condition(_ text: String, strings: String = "") throws -> String {
    let source = try parseYara("rule t { \(strings) condition: \(text) }")
    return render(try #require(source.rules.first).condition)
}

private func render(_ e: YaraExpression) -> String {
    switch e.kind {
    case .boolean(let b): return "\(b)"
    case .integer(let i): return "\(i)"
    case .float(let f): return "\(f)"
    case .text(let t): return "\"\(String(decoding: t, as: UTF8.self))\""
    case .regex(let r): return "/\(String(decoding: r.source, as: UTF8.self))/"
    case .filesize: return "filesize"
    case .entrypoint: return "entrypoint"
    case .stringMatched(let id): return id
    case .stringAt(let id, let at): return "(\(id) at \(render(at)))"
    case .stringIn(let id, let r): return "(\(id) in \(render(r)))"
    case .stringCount(let id, let r): return r.map { "(#\(id.dropFirst()) in \(render($0)))" } ?? "#\(id.dropFirst())"
    case .stringOffset(let id, let i): return "@\(id.dropFirst())" + (i.map { "[\(render($0))]" } ?? "")
    case .stringLength(let id, let i): return "!\(id.dropFirst())" + (i.map { "[\(render($0))]" } ?? "")
    case .identifier(let name): return name
    case .field(let base, let name): return "\(render(base)).\(name)"
    case .subscript(let base, let index): return "\(render(base))[\(render(index))]"
    case .call(let f, let args): return "\(render(f))(\(args.map(render).joined(separator: ", ")))"
    case .readInteger(let reader, let offset):
        return "\(reader.signed ? "" : "u")int\(reader.width * 8)\(reader.bigEndian ? "be" : "")(\(render(offset)))"
    case .unary(let op, let operand): return "(\(op.rawValue) \(render(operand)))"
    case .binary(let op, let l, let r): return "(\(render(l)) \(op.rawValue) \(render(r)))"
    case .matches(let l, let r): return "(\(render(l)) matches /\(String(decoding: r.source, as: UTF8.self))/)"
    case .stringsOf(let q, let set, let anchor):
        var text = "(\(render(q)) of \(render(set))"
        switch anchor {
        case .at(let e): text += " at \(render(e))"
        case .within(let r): text += " in \(render(r))"
        case nil: break
        }
        return text + ")"
    case .rulesOf(let q, let rules):
        return "(\(render(q)) of (\(rules.map { $0.name + ($0.isWildcard ? "*" : "") }.joined(separator: ", "))))"
    case .forOf(let q, let set, let body): return "(for \(render(q)) of \(render(set)) : \(render(body)))"
    case .forIn(let q, let vars, let iterable, let body):
        let over: String
        switch iterable {
        case .range(let r): over = render(r)
        case .enumeration(let items): over = "(\(items.map(render).joined(separator: ", ")))"
        case .expression(let e): over = render(e)
        }
        return "(for \(render(q)) \(vars.joined(separator: ", ")) in \(over) : \(render(body)))"
    }
}

private func render(_ r: YaraRange) -> String { "(\(render(r.low))..\(render(r.high)))" }

private func render(_ q: YaraQuantifier) -> String {
    switch q {
    case .all: "all"
    case .any: "any"
    case .none: "none"
    case .count(let e): render(e)
    case .percent(let e): "\(render(e))%"
    }
}

private func render(_ set: YaraStringSet) -> String {
    switch set {
    case .them: "them"
    case .list(let items): "(\(items.map { $0.identifier + ($0.isWildcard ? "*" : "") }.joined(separator: ", ")))"
    }
}

@Suite("YARA rules: structure")
struct YaraStructureTests {
    @Test func ruleWithEverySection() throws {
        let source = try parseYara(
            #"""
            import "pe"
            // a comment
            private global rule Sample : tagA tagB {
                meta:
                    author = "someone\x21"
                    version = 3
                    offset = -2
                    active = true
                strings:
                    $text = "MZ\tx\"y" wide ascii nocase fullword private
                    $hex = { 4D 5A ?? ?0 ~00 [2-4] ( 01 | 02 03 ) } private
                    $re = /ab+c?/is
                    $ = "anonymous"
                    $ = "another"
                /* block
                   comment */
                condition:
                    all of them
            }
            """#)
        #expect(source.imports.map(\.module) == ["pe"])
        let rule = try #require(source.rules.first)
        #expect(rule.name == "Sample" && rule.isPrivate && rule.isGlobal)
        #expect(rule.tags == ["tagA", "tagB"])
        #expect(rule.location.description == "rules.yar:3:21")
        #expect(
            rule.metadata == [
                YaraMetadata(key: "author", value: .text(Array("someone!".utf8))),
                YaraMetadata(key: "version", value: .integer(3)),
                YaraMetadata(key: "offset", value: .integer(-2)),
                YaraMetadata(key: "active", value: .boolean(true)),
            ])
        #expect(rule.strings.map(\.identifier) == ["$text", "$hex", "$re", "$", "$"])
        #expect(rule.strings[0].pattern == .text(Array("MZ\tx\"y".utf8)))
        let modifiers = rule.strings[0].modifiers
        #expect(modifiers.wide && modifiers.ascii && modifiers.nocase && modifiers.fullword && modifiers.isPrivate)
        #expect(
            rule.strings[1].pattern
                == .hex([
                    .byte(value: 0x4D, mask: 0xFF, negated: false), .byte(value: 0x5A, mask: 0xFF, negated: false),
                    .byte(value: 0, mask: 0, negated: false), .byte(value: 0, mask: 0x0F, negated: false),
                    .byte(value: 0, mask: 0xFF, negated: true), .jump(minimum: 2, maximum: 4),
                    .alternatives([
                        [.byte(value: 1, mask: 0xFF, negated: false)],
                        [.byte(value: 2, mask: 0xFF, negated: false), .byte(value: 3, mask: 0xFF, negated: false)],
                    ]),
                ]))
        guard case .regex(let regex) = rule.strings[2].pattern else {
            Issue.record("expected a regex")
            return
        }
        #expect(regex.caseless && regex.dotAll && regex.source == Array("ab+c?".utf8))
    }

    @Test func modifierArgumentsAndDefaults() throws {
        let rule = try #require(
            try parseYara(
                #"""
                rule t { strings:
                    $a = "abc" xor
                    $b = "abc" xor(5)
                    $c = "abc" xor(1-3)
                    $d = "abc" base64
                    $e = "abc" base64wide("!@#$%^&*(){}[].,|ABCDEFGHIJ\x09LMNOPQRSTUVWXYZabcdefghijklmnopqrstu")
                  condition: any of them }
                """#
            ).rules.first)
        #expect(rule.strings.map(\.modifiers.xor) == [0...255, 5...5, 1...3, nil, nil])
        #expect(rule.strings[3].modifiers.base64 == YaraStringModifiers.standardBase64Alphabet)
        #expect(rule.strings[4].modifiers.base64Wide?.count == 64)
    }

    @Test func hexJumpsMergeAndCommentsAreIgnored() throws {
        let rule = try #require(
            try parseYara(
                """
                rule t { strings: $a = { 01 [2] [3-4] // note
                  02 /* inline */ [1-] 03 [-] 04 } condition: $a }
                """
            ).rules.first)
        #expect(
            rule.strings[0].pattern
                == .hex([
                    .byte(value: 1, mask: 0xFF, negated: false), .jump(minimum: 5, maximum: 6),
                    .byte(value: 2, mask: 0xFF, negated: false), .jump(minimum: 1, maximum: nil),
                    .byte(value: 3, mask: 0xFF, negated: false), .jump(minimum: 0, maximum: nil),
                    .byte(value: 4, mask: 0xFF, negated: false),
                ]))
    }

    @Test func numbersInEveryBase() throws {
        #expect(try condition("0x10 + 0o17 + 2KB + 1MB == 1.5") == "((((16 + 15) + 2048) + 1048576) == 1.5)")
    }

    @Test func includesResolveAgainstTheIncludingFile() throws {
        let files = [
            "/rules/main.yar": #"include "sub/a.yar" rule main { condition: a }"#,
            "/rules/sub/a.yar": #"include "/abs/b.yar" rule a { condition: b }"#,
            "/abs/b.yar": "rule b { condition: true }",
            "/loop/x.yar": #"include "x.yar""#,
        ]
        let reader: YaraParser.IncludeReader = { path in
            files[path].map { .success(Array($0.utf8)) } ?? .failure(.init(reason: "No such file or directory"))
        }
        let source = try YaraParser.parse(
            Array(files["/rules/main.yar"]!.utf8), file: "/rules/main.yar",
            readInclude: reader)
        #expect(source.rules.map(\.name) == ["b", "a", "main"])
        #expect(source.rules[0].location.file == "/abs/b.yar")

        #expect(throws: SignatureError.self) {
            try YaraParser.parse(Array(files["/loop/x.yar"]!.utf8), file: "/loop/x.yar", readInclude: reader)
        }
        do {
            _ = try YaraParser.parse(Array(#"include "missing.yar""#.utf8), file: "/rules/m.yar", readInclude: reader)
            Issue.record("a missing include was accepted")
        } catch {
            #expect(
                error.description
                    == #"/rules/m.yar:1:1: cannot read included file "/rules/missing.yar": No such file or directory"#)
        }
        #expect(yaraError(#"include "x.yar""#)?.message == "includes are not allowed here")
    }
}

@Suite("YARA rules: conditions")
struct YaraConditionTests {
    @Test func precedenceFollowsLibyara() throws {
        #expect(try condition("true or false and not true") == "(true or (false and (not true)))")
        #expect(try condition("not 1 == 2 and 3 < 4") == "((not (1 == 2)) and (3 < 4))")
        #expect(try condition("1 + 2 * 3 - 4 \\ 2 % 3 == 5") == "(((1 + (2 * 3)) - ((4 \\ 2) % 3)) == 5)")
        #expect(try condition("1 | 2 ^ 3 & 4 << 1 == 7") == "((1 | (2 ^ (3 & (4 << 1)))) == 7)")
        #expect(try condition("-1 + ~2 < 0") == "(((- 1) + (~ 2)) < 0)")
        #expect(try condition("defined 1 \\ 0") == "(defined (1 \\ 0))")
        #expect(
            try condition(#""abc" icontains "B" and "x" matches /x/i and "a" iequals "A""#)
                == #"((("abc" icontains "B") and ("x" matches /x/)) and ("a" iequals "A"))"#)
    }

    @Test func stringOperations() throws {
        let strings = #"strings: $a = "a" $b1 = "b" $b2 = "c""#
        #expect(
            try condition("$a at 10 + 2 and $a in (0..filesize - 1)", strings: strings)
                == "(($a at (10 + 2)) and ($a in (0..(filesize - 1))))")
        #expect(
            try condition("#a in (0..100) == 2 and @a[2] > !a and @a > 0", strings: strings)
                == "((((#a in (0..100)) == 2) and (@a[2] > !a)) and (@a > 0))")
        #expect(
            try condition("2 of ($a, $b*) and 50% of them", strings: strings) == "((2 of ($a, $b*)) and (50% of them))")
        #expect(
            try condition("any of them at 0 or none of ($b*) in (0..10)", strings: strings)
                == "((any of them at 0) or (none of ($b*) in (0..10)))")
        #expect(try condition("5 % 2 == 1") == "((5 % 2) == 1)")
    }

    @Test func loopsAndRuleSets() throws {
        let strings = #"strings: $a = "a" $b = "b""#
        #expect(
            try condition("for all i in (1..#a) : (@a[i] < 100)", strings: strings)
                == "(for all i in (1..#a) : (@a[i] < 100))")
        #expect(
            try condition("for any of ($a, $b) : ($ at 0 and # > 1 and @[1] == !)", strings: strings)
                == "(for any of ($a, $b) : ((($ at 0) and (# > 1)) and (@[1] == !)))")
        #expect(
            try condition("for 2 k, v in pe.version_info : (k == \"a\")")
                == #"(for 2 k, v in pe.version_info : (k == "a"))"#)
        #expect(try condition("for any x in (1, 2, 3) : (x == 2)") == "(for any x in (1, 2, 3) : (x == 2))")
        #expect(try condition("any of (r1, rule_*)") == "(any of (r1, rule_*))")
    }

    @Test func modulesIntegersAndCalls() throws {
        #expect(
            try condition("uint16(0) == 0x5A4D and pe.sections[0].name == \".text\" and pe.exports(\"f\")")
                == #"(((uint16(0) == 23117) and (pe.sections[0].name == ".text")) and pe.exports("f"))"#)
        #expect(
            try condition("int32be(4) < 0 and uint8(entrypoint) == 0xE8")
                == "((int32be(4) < 0) and (uint8(entrypoint) == 232))")
        #expect(try condition("math.entropy(0, filesize) >= 7.0") == "(math.entropy(0, filesize) >= 7.0)")
    }
}

@Suite("YARA rules: errors")
struct YaraErrorTests {
    @Test func errorsNameFileLineColumnWithACaret() throws {
        let error = try #require(yaraError("rule t {\n  condition:\n    true and\n}"))
        #expect(error.description == "rules.yar:4:1: expected an expression, found '}'")
        let badEscape = try #require(yaraError(#"rule t { strings: $a = "a\qb" condition: $a }"#))
        #expect(badEscape.description == "rules.yar:1:26: illegal escape sequence")
        #expect(badEscape.renderedWithExcerpt.hasSuffix("\n" + String(repeating: " ", count: 29) + "^"))
    }

    @Test func malformedStringsAreRefused() throws {
        let cases: [(String, String)] = [
            (#"$a = """#, "empty string $a"),
            (#"$a = "abc" xor nocase"#, "modifiers 'xor' and 'nocase' cannot be combined"),
            (#"$a = "abc" base64 fullword"#, "modifiers 'base64' and 'fullword' cannot be combined"),
            (#"$a = "abc" base64 xor"#, "modifiers 'base64' and 'xor' cannot be combined"),
            (#"$a = "abc" wide wide"#, "duplicated modifier 'wide'"),
            (#"$a = "abc" xor(300)"#, "xor key 300 is not between 0 and 255"),
            (#"$a = "abc" xor(4-2)"#, "xor range 4-2 is upside down"),
            (#"$a = "abc" base64("abc")"#, "a base64 alphabet must be 64 bytes long, not 3"),
            (#"$a = { 01 02 } nocase"#, "modifier 'nocase' is not allowed on hex strings"),
            (#"$a = /abc/ xor"#, "modifier 'xor' is not allowed on regex strings"),
            ("$a = { [2] 01 }", "a hex string cannot begin with a jump"),
            ("$a = { 01 [2] }", "a hex string cannot end with a jump"),
            ("$a = { 01 ( 02 | 03 [-] 04 ) }", "unbounded jumps are not allowed inside alternatives"),
            ("$a = { 01 ( 02 | 03 [1-201] 04 ) }", "jumps over 200 bytes are not allowed inside alternatives"),
            ("$a = { 01 [4-2] 02 }", "jump [4-2]: the upper bound is below the lower"),
            ("$a = { 01 ~?? }", "~?? is not allowed in a hex string"),
            ("$a = { 01 0 }", "incomplete byte in hex string"),
            ("$a = { 01 GG }", "invalid character 'G' in hex string"),
            ("$a = { }", "empty hex string"),
            ("$a = /a(b/", "invalid regular expression: missing ')'"),
            (#"$a = "x" $a = "y""#, "duplicated string identifier $a"),
        ]
        for (strings, message) in cases {
            let error = yaraError("rule t { strings: \(strings) condition: $a }")
            #expect(error?.message == message, "\(strings)")
        }
    }

    @Test func malformedRulesAreRefused() throws {
        #expect(yaraError("rule t : a a { condition: true }")?.message == "duplicated tag \"a\"")
        #expect(yaraError("rule { condition: true }")?.message == "expected the rule's name, found '{'")
        #expect(yaraError("rule t { condition: true")?.message == "expected '}', found the end of the file")
        #expect(yaraError("rule t { condition: 99999999999999999999 }")?.message == "integer too large")
        #expect(yaraError("rule t { condition: 1 ` 2 }")?.message == "unexpected '`'")
        #expect(yaraError("rule t { condition: /unterminated }")?.message == "unterminated regular expression")
        #expect(
            yaraError("rule t { condition: for all i in (1..2) : i }")?.message
                == "expected '(', found identifier \"i\"")
        #expect(yaraError("/* never closed")?.message == "unterminated comment")
        let deep = String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500)
        #expect(yaraError("rule t { condition: \(deep) }")?.message.hasPrefix("condition nested more than") == true)
        let long = String(repeating: "a", count: 129)
        #expect(
            yaraError("rule \(long) { condition: true }")?.message == "identifier too long (at most 128 characters)")
    }
}
