/// The multipart parser for the libFuzzer target (`Fuzz/Sources/FuzzHTTP`): not an API.
@_spi(Fuzzing)
public enum MultipartFuzzing {
    /// Reads the first line of `input` as a `Content-Type` header and the rest as a body; returns the number of
    /// parts found, or -1 when either is refused. Every part must lie inside the body.
    public static func parse(_ input: [UInt8]) -> Int {
        let split = input.firstIndex(of: 10) ?? input.count
        let header = HeaderParameters(Substring(String(decoding: input[..<split], as: UTF8.self)))
        let body = Array(input[min(split + 1, input.count)...])
        guard let boundary = try? MultipartFormData.boundary(of: header),
            let form = try? MultipartFormData(boundary: boundary)
        else { return -1 }
        return body.withUnsafeBytes { bytes in
            guard let parts = try? form.parts(of: bytes) else { return -1 }
            for part in parts { precondition(part.content.upperBound <= bytes.count, "a part past the body") }
            return parts.count
        }
    }
}
