import Testing

@testable import VigilHTTP

/// The `multipart/form-data` reader on well-formed, unusual and hostile bodies.
@Suite struct MultipartFormDataTests {
    func parts(_ body: String, boundary: String = "XyZ") throws(MultipartError) -> [(FormPart, String)] {
        let bytes = Array(body.utf8)
        let reader = try MultipartFormData(boundary: boundary)
        var parts: [FormPart] = []
        var failure: MultipartError?
        bytes.withUnsafeBytes { raw in
            do throws(MultipartError) { parts = try reader.parts(of: raw) } catch { failure = error }
        }
        if let failure { throw failure }
        return parts.map { ($0, String(decoding: bytes[$0.content], as: UTF8.self)) }
    }

    @Test func readsFieldsFilesAndContent() throws {
        let body =
            "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\none\r\n"
            + "--XyZ  \r\ncontent-disposition: form-data; name=\"f\"; filename=\"x y.txt\"\r\n"
            + "Content-Type: text/plain\r\n\r\nline1\r\nline2\r\n--XyZ--\r\nepilogue --XyZ"
        let found = try parts(body)
        #expect(found.count == 2)
        #expect(found[0].0.field == "a")
        #expect(found[0].0.filename == nil)
        #expect(found[0].1 == "one")
        #expect(found[1].0.filename == "x y.txt")
        #expect(found[1].0.contentType == "text/plain")
        #expect(found[1].1 == "line1\r\nline2")
    }

    @Test func emptyContentAndEmptyForm() throws {
        #expect(
            try parts("--XyZ\r\nContent-Disposition: form-data; name=\"e\"; filename=\"\"\r\n\r\n\r\n--XyZ--")
                .map(\.1) == [""])
        #expect(try parts("--XyZ--\r\n").isEmpty)
    }

    @Test func lenientForms() throws {
        // Bare LF line ends in headers, folded header lines, escaped and unescaped backslashes, RFC 8187 names.
        let body =
            "--XyZ\nContent-Disposition: form-data;\r\n name=\"p\"; filename=\"C:\\dir\\a\\\"b.txt\"\n\nbody\r\n"
            + "--XyZ\r\nContent-Disposition: form-data; name=q; filename=\"plain\"; filename*=UTF-8''%C3%A9t%C3%A9.txt"
            + "\r\n\r\nx\r\n--XyZ--"
        let found = try parts(body)
        #expect(found[0].0.field == "p")
        #expect(found[0].0.filename == "C:\\dir\\a\"b.txt")
        #expect(found[1].0.field == "q")
        #expect(found[1].0.filename == "été.txt")
    }

    @Test(arguments: [
        "", "no boundary at all", "--XyZ", "--XyZ\r\nContent-Disposition: form-data; name=a\r\n",
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nunterminated", "--XyZjunk\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\n\r\nx\r\n--XyZ",
    ])
    func malformedBodiesAreErrors(body: String) {
        #expect(throws: MultipartError.self) { try parts(body) }
    }

    @Test func boundsAreEnforced() throws {
        #expect(throws: MultipartError.self) { try MultipartFormData(boundary: "") }
        #expect(throws: MultipartError.self) { try MultipartFormData(boundary: String(repeating: "b", count: 71)) }
        let many = String(repeating: "--XyZ\r\n\r\nx\r\n", count: 1001) + "--XyZ--"
        #expect(throws: MultipartError.self) { try parts(many) }
        let bigHeader = "--XyZ\r\nX: " + String(repeating: "h", count: 20000) + "\r\n\r\nx\r\n--XyZ--"
        #expect(throws: MultipartError.self) { try parts(bigHeader) }
    }

    @Test func headerParameters() {
        let type = HeaderParameters("Multipart/Form-Data ; boundary=\"a;b\" ; charset=utf-8; junk")
        #expect(type.value == "multipart/form-data")
        #expect(type["boundary"] == "a;b")
        #expect(type["charset"] == "utf-8")
        let broken = HeaderParameters("form-data; name=\"unterminated")
        #expect(broken["name"] == "unterminated")
        #expect(HeaderParameters(";;;=;=\"").value == "")
    }

    /// Every prefix of a valid body, and bodies with each byte changed, parse or fail without trapping.
    @Test func prefixesAndMutationsNeverTrap() {
        let body = Array(
            ("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\nContent-Type: x\r\n\r\n"
                + "data\r\n--XyZ\r\nContent-Disposition: form-data; name=\"g\"\r\n\r\nmore\r\n--XyZ--\r\n").utf8)
        let reader = try! MultipartFormData(boundary: "XyZ")
        for end in 0...body.count {
            _ = body[..<end].withUnsafeBytes { try? reader.parts(of: $0) }
        }
        for i in body.indices {
            for replacement: UInt8 in [0x00, 0x0A, 0x0D, 0x22, 0x2D, 0x3B, 0x5C] {
                var mutated = body
                mutated[i] = replacement
                if let parts = mutated.withUnsafeBytes({ try? reader.parts(of: $0) }) {
                    for part in parts { #expect(part.content.upperBound <= mutated.count) }
                }
            }
        }
    }
}
