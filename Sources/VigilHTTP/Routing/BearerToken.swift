/// The token that `Authorization: Bearer` must carry (RFC 6750), compared in constant time.
struct BearerToken: Sendable {
    private let expected: [UInt8]

    init(_ token: String) { expected = Array(token.utf8) }

    /// Whether an `Authorization` header value carries the token.
    func admits(_ authorization: String?) -> Bool {
        guard let authorization else { return false }
        // The scheme is case-insensitive and separated from the token by spaces.
        let scheme = authorization.prefix { $0 != " " }
        guard scheme.lowercased() == "bearer" else { return false }
        let token = authorization.dropFirst(scheme.count).drop { $0 == " " }
        return Self.equal(Array(token.utf8), expected)
    }

    /// Whether `offered` equals `expected`, taking the same time whatever their contents (it depends only on the
    /// length of `expected`), so a client cannot learn the token a byte at a time.
    static func equal(_ offered: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference: UInt8 = offered.count == expected.count ? 0 : 1
        for i in expected.indices {
            difference |= expected[i] ^ (i < offered.count ? offered[i] : 0)
        }
        return difference == 0
    }
}
