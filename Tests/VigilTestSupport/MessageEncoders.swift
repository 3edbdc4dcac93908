/// Encoders for mail and document formats Vigil reads, so tests build their files: the transfer encodings
/// (base64, quoted-printable, uuencode), TNEF, and RTF with an embedded OLE `Package` object.
public enum MessageEncoders {
    /// Base64 of `bytes`, in lines of 76 characters.
    public static func base64(_ bytes: [UInt8], lineLength: Int = 76) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var text = ""
        for start in stride(from: 0, to: bytes.count, by: 3) {
            let group = Array(bytes[start..<min(start + 3, bytes.count)])
            let value = group.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
            for k in 0..<4 { text.append(k <= group.count ? alphabet[(value >> (18 - 6 * k)) & 63] : "=") }
        }
        return stride(from: 0, to: text.count, by: lineLength).map { start in
            String(text.dropFirst(start).prefix(lineLength))
        }.joined(separator: "\r\n")
    }

    /// Quoted-printable of `bytes`: printable ASCII kept, other bytes `=XX`, soft breaks every 70 characters.
    public static func quotedPrintable(_ bytes: [UInt8]) -> String {
        var text = ""
        var line = 0
        for byte in bytes {
            let piece =
                (33...126).contains(byte) && byte != UInt8(ascii: "=")
                ? String(UnicodeScalar(byte)) : "=" + hex(byte)
            if line + piece.count > 70 {
                text += "=\r\n"
                line = 0
            }
            text += piece
            line += piece.count
        }
        return text
    }

    /// A uuencoded file from `begin 644 name` to `end`.
    public static func uuencode(_ bytes: [UInt8], name: String) -> String {
        func character(_ value: Int) -> Character { value == 0 ? "`" : Character(UnicodeScalar(UInt8(value + 32))) }
        var text = "begin 644 \(name)\n"
        for start in stride(from: 0, to: bytes.count, by: 45) {
            let line = Array(bytes[start..<min(start + 45, bytes.count)])
            text.append(character(line.count))
            for group in stride(from: 0, to: line.count, by: 3) {
                let three = (0..<3).map { group + $0 < line.count ? Int(line[group + $0]) : 0 }
                let value = three[0] << 16 | three[1] << 8 | three[2]
                for k in 0..<4 { text.append(character((value >> (18 - 6 * k)) & 63)) }
            }
            text += "\n"
        }
        return text + "`\nend\n"
    }

    /// A TNEF stream whose attachments are `files` (title, data); each attribute's checksum is computed.
    public static func tnef(_ files: [(title: String, data: [UInt8])]) -> [UInt8] {
        func attribute(level: UInt8, _ identifier: UInt32, _ value: [UInt8]) -> [UInt8] {
            let checksum = value.reduce(0) { ($0 + Int($1)) & 0xFFFF }
            return [level] + le32(Int(identifier)) + le32(value.count) + value + [
                UInt8(checksum & 0xFF), UInt8(checksum >> 8),
            ]
        }
        var out = le32(0x223E_9F78) + [0x01, 0x00]
        out += attribute(level: 1, 0x0009_8006, le32(0x0001_0000))  // attTnefVersion
        for file in files {
            out += attribute(level: 2, 0x0006_9002, Array(repeating: 0, count: 14))  // attAttachRendData
            out += attribute(level: 2, 0x0001_8010, Array(file.title.utf8) + [0])
            out += attribute(level: 2, 0x0006_800F, file.data)
        }
        return out
    }

    /// An RTF document embedding `file` as an OLE `Package` object in an `\objdata` group of hexadecimal
    /// text (lines of 64 digits), between two paragraphs.
    public static func rtf(packaging file: [UInt8], name: String) -> String {
        let hexText = packageObject(file, name: name).map(hex).joined()
        let lines = stride(from: 0, to: hexText.count, by: 64).map { String(hexText.dropFirst($0).prefix(64)) }
        return #"{\rtf1\ansi\deff0{\fonttbl{\f0 Times;}}\pard Before\par {\object\objemb{\*\objclass Package}"#
            + "{\\*\\objdata \r\n" + lines.joined(separator: "\r\n") + "\r\n}}\\pard After\\par }\r\n"
    }

    /// The native data of a `Package` object holding `file` (also the content of an `Ole10Native` stream,
    /// after its size).
    public static func packageNative(_ file: [UInt8], name: String) -> [UInt8] {
        let path = Array("C:\\Temp\\\(name)".utf8) + [0]
        let native: [UInt8] = [2, 0] + Array(name.utf8) + [0] + path + le32(0x0003_0000)
        return native + le32(path.count) + path + le32(file.count) + file + [0, 0]
    }

    /// An OLE 1.0 embedded object of class `Package` holding `file`.
    public static func packageObject(_ file: [UInt8], name: String) -> [UInt8] {
        let native = packageNative(file, name: name)
        let className = Array("Package".utf8) + [0]
        return le32(0x0501) + le32(2) + le32(className.count) + className
            + le32(0) + le32(0) + le32(native.count)
            + native
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
