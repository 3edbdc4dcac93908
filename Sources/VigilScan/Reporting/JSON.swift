/// A minimal JSON writer for `vigil scan`'s NDJSON and the HTTP API's replies (neither imports Foundation).
package indirect enum JSONValue: Sendable {
    case string(String), integer(Int), bool(Bool), null
    /// A number written with exactly `digits` decimals, never an exponent.
    case number(Double, digits: Int = 3)
    case array([JSONValue]), object(JSONObject)

    /// `value` as a string, or `null`.
    package static func string(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }

    /// `value` as an integer, or `null`.
    package static func integer(_ value: Int?) -> JSONValue { value.map { .integer($0) } ?? .null }

    /// The compact text of the value.
    package var rendered: String {
        switch self {
        case .string(let s): return JSONValue.quote(s)
        case .integer(let i): return String(i)
        case .number(let d, let digits): return d.isFinite ? fixed(d, digits: digits) : "null"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(\.rendered).joined(separator: ",") + "]"
        case .object(let o): return o.rendered
        }
    }

    /// Quotes and escapes a string per RFC 8259 (control characters and DEL as `\u00XX`).
    static func quote(_ s: String) -> String {
        var out = "\""
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
        return out + "\""
    }
}

/// A JSON object that keeps its keys in insertion order.
package struct JSONObject: Sendable {
    private var pairs: [(String, JSONValue)] = []

    /// An empty object.
    package init() {}

    /// An object with `pairs`, in order.
    package init(_ pairs: KeyValuePairs<String, JSONValue>) { self.pairs = pairs.map { ($0.key, $0.value) } }

    /// The value at `key`; setting replaces it (moving it last), `nil` removes it.
    package subscript(key: String) -> JSONValue? {
        get { pairs.first { $0.0 == key }?.1 }
        set {
            pairs.removeAll { $0.0 == key }
            if let newValue { pairs.append((key, newValue)) }
        }
    }

    /// The compact text of the object.
    package var rendered: String {
        "{" + pairs.map { JSONValue.quote($0.0) + ":" + $0.1.rendered }.joined(separator: ",") + "}"
    }
}

/// Formats `value` with exactly `digits` decimals (clamscan's `%.2f` / `%.3f`, clamd's `%f`), without an exponent;
/// a value too large for that is written as a whole number.
package func fixed(_ value: Double, digits: Int) -> String {
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
