import Glibc

/// libyara's `console` module: `log` and `hex` print a line and are true. libyara hands the line to the scan
/// callback (the `yara` tool prints it on standard output); Vigil writes it to standard error, so scan results
/// on standard output stay parseable.
enum YaraConsoleModule {
    static let module = YaraModule(
        name: "console",
        schema: [
            "log": .function([
                YaraFunction([.text], .integer) { call in emit(escaped(call.text(0))) },
                YaraFunction([.text, .text], .integer) { call in emit(call.cText(0) + escaped(call.text(1))) },
                YaraFunction([.integer], .integer) { call in emit(YaraModuleText.printf("%lli", call.integer(0))) },
                YaraFunction([.text, .integer], .integer) { call in
                    emit(call.cText(0) + YaraModuleText.printf("%lli", call.integer(1)))
                },
                YaraFunction([.float], .integer) { call in emit(YaraModuleText.printf("%f", call.float(0))) },
                YaraFunction([.text, .float], .integer) { call in
                    emit(call.cText(0) + YaraModuleText.printf("%f", call.float(1)))
                },
            ]),
            "hex": .function([
                YaraFunction([.integer], .integer) { call in emit(YaraModuleText.printf("0x%llx", call.integer(0))) },
                YaraFunction([.text, .integer], .integer) { call in
                    emit(call.cText(0) + YaraModuleText.printf("0x%llx", call.integer(1)))
                },
            ]),
        ],
        load: { _ in [:] })

    /// The text with bytes C's `isprint` rejects written `\xNN`.
    static func escaped(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for b in text {
            if b >= 0x20 && b < 0x7F {
                out.append(b)
            } else {
                out += Array("\\x".utf8) + YaraModuleText.hex([b])
            }
        }
        return out
    }

    /// Writes the line to standard error; true.
    private static func emit(_ line: [UInt8]) -> YaraValue {
        let bytes = line + [0x0A]
        bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = write(2, buffer.baseAddress! + done, buffer.count - done)
                if n <= 0 { break }
                done += n
            }
        }
        return .integer(1)
    }
}
