import CVigilLibc

/// One part of a `multipart/form-data` body: its form field, file name and where its content lies in the body.
struct FormPart: Equatable, Sendable {
    /// The `name` of `Content-Disposition`.
    var field: String?
    /// The `filename` (or `filename*`) of `Content-Disposition`; present, even empty, for a file input.
    var filename: String?
    /// The part's `Content-Type`.
    var contentType: String?
    /// The content's byte offsets in the body.
    var content: Range<Int>
}

/// Why a `multipart/form-data` body could not be read.
struct MultipartError: Error, Equatable {
    /// What is wrong, for the client.
    var message: String
}

/// A reader of `multipart/form-data` bodies (RFC 7578, RFC 2046 §5.1) held whole in memory.
///
/// Bounded and total: it makes one pass over the body, allocates only per part, and rejects a body with more
/// than `maximumParts` parts or a part whose headers exceed `maximumHeaderBytes`.
struct MultipartFormData {
    /// The boundary, without the leading `--`.
    let boundary: [UInt8]
    var maximumParts = 1000
    var maximumHeaderBytes = 16 * 1024

    /// A reader for `boundary` (1 to 70 characters, RFC 2046).
    init(boundary: String) throws(MultipartError) {
        guard (1...70).contains(boundary.utf8.count) else {
            throw MultipartError(message: "the multipart boundary must be 1 to 70 characters long")
        }
        self.boundary = Array(boundary.utf8)
    }

    /// The boundary of a `Content-Type: multipart/form-data; boundary=...` header.
    static func boundary(of contentType: HeaderParameters) throws(MultipartError) -> String {
        guard let boundary = contentType["boundary"] else {
            throw MultipartError(message: "multipart/form-data without a boundary parameter")
        }
        return boundary
    }

    /// The parts of `body`, in order; the preamble and epilogue are ignored.
    func parts(of body: UnsafeRawBufferPointer) throws(MultipartError) -> [FormPart] {
        let dashBoundary = [0x2D, 0x2D] + boundary
        let delimiter = [0x0D, 0x0A] + dashBoundary
        // The first boundary may open the body, else it follows a preamble and CRLF.
        var at: Int
        if body.starts(with: dashBoundary) {
            at = 0
        } else if let found = Self.find(delimiter, in: body, from: 0) {
            at = found + 2
        } else {
            throw MultipartError(message: "the body does not contain the multipart boundary")
        }
        var parts: [FormPart] = []
        while true {
            var i = at + dashBoundary.count
            if Self.matches([0x2D, 0x2D], in: body, at: i) { return parts }  // the close delimiter
            while i < body.count, body[i] == 0x20 || body[i] == 0x09 { i += 1 }  // transport padding
            guard let afterLine = Self.lineEnd(in: body, at: i) else {
                throw MultipartError(message: "a multipart boundary is not followed by a line break")
            }
            guard parts.count < maximumParts else {
                throw MultipartError(message: "more than \(maximumParts) multipart parts")
            }
            var part = try headers(of: body, from: afterLine)
            guard let end = Self.find(delimiter, in: body, from: part.content.lowerBound) else {
                throw MultipartError(message: "the multipart body ends before its closing boundary")
            }
            part.content = part.content.lowerBound..<end
            parts.append(part)
            at = end + 2
        }
    }

    /// Reads a part's header lines from `start`; the returned part's content begins after the blank line.
    private func headers(of body: UnsafeRawBufferPointer, from start: Int) throws(MultipartError) -> FormPart {
        var part = FormPart(content: start..<start)
        var lines: [Substring] = []
        var i = start
        let limit = min(body.count, start + maximumHeaderBytes)
        while true {
            var end = i
            while end < limit, body[end] != 0x0A { end += 1 }
            guard end < limit else {
                guard limit < body.count else {
                    throw MultipartError(message: "the multipart body ends inside a part's headers")
                }
                throw MultipartError(message: "a multipart part's headers exceed \(maximumHeaderBytes) bytes")
            }
            let contentEnd = end > i && body[end - 1] == 0x0D ? end - 1 : end
            let line = String(decoding: UnsafeRawBufferPointer(rebasing: body[i..<contentEnd]), as: UTF8.self)
            i = end + 1
            if line.isEmpty { break }
            if let first = line.first, first == " " || first == "\t", let last = lines.popLast() {
                lines.append(last + " " + line.trimmingSpace())  // an obsolete folded line continues the last
            } else {
                lines.append(line[...])
            }
        }
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon]).trimmingSpace().lowercased()
            let value = line[line.index(after: colon)...]
            switch name {
            case "content-disposition":
                let disposition = HeaderParameters(value)
                part.field = disposition["name"]
                part.filename = disposition["filename"]
            case "content-type":
                part.contentType = String(value).trimmingSpace()
            default: break
            }
        }
        part.content = i..<i
        return part
    }

    /// The offset of the first `needle` in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard from <= haystack.count, let base = haystack.baseAddress else { return nil }
        return needle.withUnsafeBytes { n -> Int? in
            // The boundary's last byte is rarer in file content than the CR and dashes that open the delimiter.
            let found = cvigil_find_rare(base + from, haystack.count - from, n.baseAddress, n.count, n.count - 1)
            return found.map { base.distance(to: UnsafeRawPointer($0)) }
        }
    }

    static func matches(_ bytes: [UInt8], in body: UnsafeRawBufferPointer, at i: Int) -> Bool {
        i + bytes.count <= body.count && bytes.indices.allSatisfy { body[i + $0] == bytes[$0] }
    }

    /// The offset after the CRLF (or lone LF) at `i`, if there is one.
    static func lineEnd(in body: UnsafeRawBufferPointer, at i: Int) -> Int? {
        if matches([0x0D, 0x0A], in: body, at: i) { return i + 2 }
        if matches([0x0A], in: body, at: i) { return i + 1 }
        return nil
    }
}
