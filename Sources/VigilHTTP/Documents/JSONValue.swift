/// A JSON value, written by hand: the HTTP API imports no Foundation.
enum JSONValue: Sendable {
    case string(String)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case null
    indirect case array([JSONValue])
    indirect case object(JSONObject)

    /// `value` as a string, or `null`.
    static func string(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }

    /// `value` as an integer, or `null`.
    static func integer(_ value: Int?) -> JSONValue { value.map { .integer($0) } ?? .null }

    /// The compact text of the value.
    var rendered: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .string(let s): JSONValue.quote(s, to: &out)
        case .integer(let i): out += String(i)
        // Durations are small; six decimals keep microseconds without an exponent.
        case .number(let d): out += d.isFinite ? decimal(d, digits: 6) : "null"
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let o): o.write(to: &out)
        }
    }

    /// Quotes and escapes a string per RFC 8259.
    static func quote(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

/// A JSON object that keeps its keys in the order they were written.
struct JSONObject: Sendable {
    private var pairs: [(String, JSONValue)] = []

    init(_ pairs: KeyValuePairs<String, JSONValue>) {
        self.pairs = pairs.map { ($0.key, $0.value) }
    }

    func write(to out: inout String) {
        out += "{"
        for (i, (key, value)) in pairs.enumerated() {
            if i > 0 { out += "," }
            JSONValue.quote(key, to: &out)
            out += ":"
            value.write(to: &out)
        }
        out += "}"
    }
}

/// Formats `value` with exactly `digits` decimals, without an exponent.
func decimal(_ value: Double, digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9e15 else { return String(Int(value.rounded())) }
    let whole = Int(scaled / scale)
    let fraction = Int(scaled - Double(whole) * scale)
    let sign = value < 0 && scaled != 0 ? "-" : ""
    guard digits > 0 else { return sign + String(whole) }
    let f = String(fraction)
    return sign + String(whole) + "." + String(repeating: "0", count: digits - f.count) + f
}
