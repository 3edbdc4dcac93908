import Glibc

extension JSNormalizer {
    /// `cli_js_output`: appends `<script>`, the tokens and `</script>` (unless the tokens already end with
    /// it) to `file`, after a newline when `file` is not empty.
    func output(appendingTo file: inout [UInt8]) {
        let separate = !file.isEmpty
        var out = JSOutput(bytes: file)
        file = []  // so that `out` owns the storage and appends in place
        if separate { out.put(0x0A) }
        out.put(Array("<script>".utf8))
        var scope = 0
        var last: UInt8 = 0
        for token in tokens {
            if token.type == .function, case .scope(let target) = token.value {
                guard let target else {
                    if let parent = scopes[scope].parent { scope = parent }
                    continue
                }
                scope = target
            }
            last = emit(token, scope: scope, after: last, into: &out)
        }
        if out.position < 9 || !out.bytes.suffix(9).elementsEqual("</script>".utf8) {
            out.put(Array("</script>".utf8))
        }
        file = out.bytes
    }

    /// `output_token`: one token, after a blank when it and the previous one are both alphanumeric.
    /// Returns the class of its last character.
    func emit(_ token: JSToken, scope: Int, after last: UInt8, into out: inout JSOutput) -> UInt8 {
        func space(_ next: UInt8) { if isCAlnum(last), isCAlnum(next) { out.put(0x20) } }
        switch token.type {
        case .string:
            out.put(UInt8(ascii: "\""))
            if case .string(let text?) = token.value { out.put(text) }
            out.put(UInt8(ascii: "\""))
            return UInt8(ascii: "\"")
        case .numericInt:
            space(UInt8(ascii: "0"))
            if case .int(let value) = token.value { out.put(Array(String(value).utf8)) }
            return UInt8(ascii: "0")
        case .numericFloat:
            space(UInt8(ascii: "0"))
            if case .float(let value) = token.value { out.put(Self.formatG(value)) }
            return UInt8(ascii: "0")
        case .identifier:
            space(UInt8(ascii: "a"))
            if let name = token.value.cstring {
                if let number = lookup(name, from: scope) {
                    let digits = Array(String(number).utf8)
                    out.put(
                        [UInt8(ascii: "n")] + Array(repeating: UInt8(ascii: "0"), count: max(0, 3 - digits.count))
                            + digits)
                } else {
                    out.put(name)
                }
            }
            return UInt8(ascii: "a")
        case .function:
            space(UInt8(ascii: "a"))
            out.put(Array("function".utf8))
            return UInt8(ascii: "a")
        default:
            guard let text = token.value.cstring else { return 0 }
            let string = text.prefix { $0 != 0 }
            space(string.first ?? 0)
            out.put(Array(string))
            return string.last ?? 0
        }
    }

    /// `scope_lookup`: the number of the innermost declaration of `name` visible from `scope`.
    func lookup(_ name: [UInt8], from scope: Int) -> Int? {
        var scope: Int? = scope
        while let index = scope {
            if let number = scopes[index].names[name], number != -1 { return number }
            scope = scopes[index].parent
        }
        return nil
    }

    /// `printf("%g")`.
    static func formatG(_ value: Double) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: 128)
        _ = withVaList([value]) { vsnprintf(&buffer, 128, "%g", $0) }
        return buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    }
}

/// The normaliser's 64 KiB output buffer (`struct buf`): only its fill level matters, for the check
/// whether the output already ends with `</script>`.
struct JSOutput {
    /// The buffer size.
    static let size = 65536
    /// The whole output.
    var bytes: [UInt8]
    /// The fill level of the buffer.
    var position = 0

    /// `buf_outc`: one byte as it is.
    mutating func put(_ c: UInt8) {
        if position >= Self.size { position = 0 }
        bytes.append(c)
        position += 1
    }

    /// `buf_outs`: blanks as spaces, letters lowercased; a full buffer is flushed at once.
    mutating func put(_ text: [UInt8]) {
        guard !text.isEmpty else { return }
        for c in text {
            if position == Self.size { position = 0 }
            bytes.append(isCSpace(c) ? 0x20 : cLower(c))
            position += 1
        }
        if position == Self.size { position = 0 }
    }
}
