import Glibc

extension YaraFunction {
    /// An overload taking `arguments` and giving a `result`.
    init(_ arguments: [YaraArgument], _ result: YaraType, _ body: @escaping @Sendable (YaraCall) -> YaraValue?) {
        self.init(arguments: arguments, result: result, body: body)
    }
}

extension YaraCall {
    /// The `index`th argument as an integer (0 when it is not one, which type checking rules out).
    func integer(_ index: Int) -> Int64 { arguments[index].integer ?? 0 }
    /// The `index`th argument as a float.
    func float(_ index: Int) -> Double { arguments[index].float ?? 0 }
    /// The `index`th argument's bytes.
    func text(_ index: Int) -> [UInt8] { arguments[index].text ?? [] }
    /// The `index`th argument up to its first NUL, as libyara's `string_argument` reads it.
    func cText(_ index: Int) -> [UInt8] {
        let t = text(index)
        return t.firstIndex(of: 0).map { Array(t[..<$0]) } ?? t
    }

    /// The bytes `offset ..< offset + size` of the file as libyara's data functions read them: undefined when
    /// either is negative or `offset` is not inside the file; a range running past the end stops there.
    func range(_ offset: Int64, _ size: Int64) -> UnsafeRawBufferPointer? {
        guard offset >= 0, size >= 0, offset < Int64(data.count) else { return nil }
        let count = Int(min(size, Int64(data.count) - offset))
        return UnsafeRawBufferPointer(rebasing: data[Int(offset)..<(Int(offset) + count)])
    }
}

/// Formatting and byte helpers the modules share.
enum YaraModuleText {
    /// Lowercase hexadecimal, two digits a byte.
    static func hex(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return out
    }

    /// `value` as C's `printf` formats it with `format` (one numeric conversion).
    static func printf(_ format: String, _ value: some CVarArg) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: 512)
        let n = withVaList([value]) { list in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, format, list) }
        }
        guard n > 0 else { return [] }
        return buffer[..<min(Int(n), buffer.count - 1)].map { UInt8(bitPattern: $0) }
    }

    /// ASCII lowercase, as C's `tolower` in the C locale.
    static func lowercased(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    }
}
