/// A minimal JSON writer for NDJSON output (the scan path imports no Foundation).
indirect enum JSONValue {
    case string(String), integer(Int), number(Double), bool(Bool), null
    case array([JSONValue]), object(JSONObject)

    var rendered: String {
        switch self {
        case .string(let s): return JSONValue.quote(s)
        case .integer(let i): return String(i)
        case .number(let d): return d.isFinite ? fixed(d, digits: 3) : "null"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(\.rendered).joined(separator: ",") + "]"
        case .object(let o): return o.rendered
        }
    }

    /// Quotes and escapes a string per RFC 8259.
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A JSON object that keeps its keys in insertion order.
struct JSONObject {
    private var pairs: [(String, JSONValue)] = []

    subscript(key: String) -> JSONValue? {
        get { pairs.first { $0.0 == key }?.1 }
        set {
            pairs.removeAll { $0.0 == key }
            if let newValue { pairs.append((key, newValue)) }
        }
    }

    var rendered: String {
        "{" + pairs.map { JSONValue.quote($0.0) + ":" + $0.1.rendered }.joined(separator: ",") + "}"
    }
}

/// Formats `value` with exactly `digits` decimals (clamscan's `%.2f` / `%.3f`).
func fixed(_ value: Double, digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    let fraction = Int(scaled - Double(whole) * scale)
    let sign = value < 0 && scaled != 0 ? "-" : ""
    guard digits > 0 else { return sign + String(whole) }
    let f = String(fraction)
    return sign + String(whole) + "." + String(repeating: "0", count: digits - f.count) + f
}
