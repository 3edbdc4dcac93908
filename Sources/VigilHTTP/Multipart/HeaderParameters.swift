/// A header value of the form `token; name=value; name="quoted value"` (`Content-Type`, `Content-Disposition`),
/// read leniently: what browsers send (unescaped backslashes in Windows paths, `filename*` in RFC 8187 form) is
/// understood, and nothing traps on malformed input.
struct HeaderParameters: Equatable {
    /// The value before the first `;`, lowercased and trimmed (`multipart/form-data`, `form-data`).
    var value: String
    /// The parameters in order, names lowercased.
    var parameters: [(name: String, value: String)]

    static func == (a: Self, b: Self) -> Bool {
        a.value == b.value && a.parameters.elementsEqual(b.parameters) { $0 == $1 }
    }

    /// The first parameter called `name` (lowercase).
    subscript(name: String) -> String? { parameters.first { $0.name == name }?.value }

    /// Parses `header`.
    init(_ header: Substring) {
        let bytes = Array(header.utf8)
        var i = 0
        func skipSpace() { while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 } }
        func read(until stops: Set<UInt8>) -> String {
            let start = i
            while i < bytes.count, !stops.contains(bytes[i]) { i += 1 }
            return String(decoding: bytes[start..<i], as: UTF8.self).trimmingSpace()
        }
        value = read(until: [0x3B]).lowercased()
        parameters = []
        var extended: [(name: String, value: String)] = []
        while i < bytes.count {
            i += 1  // the `;`
            skipSpace()
            let name = read(until: [0x3D, 0x3B]).lowercased()
            guard i < bytes.count, bytes[i] == 0x3D else {
                continue  // a parameter without a value: ignored
            }
            i += 1
            skipSpace()
            var value: String
            if i < bytes.count, bytes[i] == 0x22 {
                i += 1
                var raw: [UInt8] = []
                while i < bytes.count, bytes[i] != 0x22 {
                    // `\"` and `\\` are escapes; any other backslash is kept, as in `C:\dir\file` from old browsers.
                    if bytes[i] == 0x5C, i + 1 < bytes.count, bytes[i + 1] == 0x22 || bytes[i + 1] == 0x5C { i += 1 }
                    raw.append(bytes[i])
                    i += 1
                }
                if i < bytes.count { i += 1 }  // the closing quote, when there is one
                value = String(decoding: raw, as: UTF8.self)
                _ = read(until: [0x3B])  // anything after the closing quote is ignored
            } else {
                value = read(until: [0x3B])
            }
            if name.hasSuffix("*") {
                if let decoded = Self.extendedValue(value) { extended.append((String(name.dropLast()), decoded)) }
            } else if !name.isEmpty {
                parameters.append((name, value))
            }
        }
        // RFC 8187: an extended `name*` wins over a plain `name`.
        for (name, value) in extended {
            if let at = parameters.firstIndex(where: { $0.name == name }) {
                parameters[at].value = value
            } else {
                parameters.append((name, value))
            }
        }
    }

    /// Decodes an RFC 8187 extended value `charset'language'percent-encoded` (UTF-8 or ASCII only).
    static func extendedValue(_ text: String) -> String? {
        let pieces = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3, ["utf-8", "us-ascii"].contains(pieces[0].lowercased()) else { return nil }
        var bytes: [UInt8] = []
        var utf8 = pieces[2].utf8[...]
        while let byte = utf8.popFirst() {
            if byte == 0x25, utf8.count >= 2,
                let hex = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(hex)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
