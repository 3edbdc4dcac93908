import VigilSignatures

/// A digest as a fixed-size hashable key (up to 32 bytes).
struct DigestKey: Hashable, Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64)

    init<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        var w: [UInt64] = [0, 0, 0, 0]
        for (i, b) in bytes.enumerated() where i < 32 { w[i / 8] |= UInt64(b) << UInt64(8 * (i % 8)) }
        words = (w[0], w[1], w[2], w[3])
    }

    static func == (a: DigestKey, b: DigestKey) -> Bool { a.words == b.words }

    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
    }
}

/// Whole-file hash signatures by algorithm, with the sizes they apply to, so a scan computes only the
/// digests some signature could match for this file's size (as clamscan checks sizes before hashing).
struct HashIndex: Sendable {
    private struct Entry: Sendable {
        var size: Int?
        var name: Int
    }

    private var entries: [[DigestKey: [Entry]]] = Array(repeating: [:], count: HashAlgorithm.allCases.count)
    private var sizes: [Set<Int>] = Array(repeating: [], count: HashAlgorithm.allCases.count)
    private var anySize: [Bool] = Array(repeating: false, count: HashAlgorithm.allCases.count)

    /// Adds a signature whose name has index `name`.
    mutating func add(_ signature: HashSignature, name: Int) {
        let a = signature.algorithm.rawValue
        entries[a][DigestKey(signature.digest), default: []].append(Entry(size: signature.size, name: name))
        if let size = signature.size { sizes[a].insert(size) } else { anySize[a] = true }
    }

    var isEmpty: Bool { entries.allSatisfy(\.isEmpty) }

    /// The algorithms some signature could match on a file of `size` bytes.
    func algorithms(forSize size: Int) -> [HashAlgorithm] {
        HashAlgorithm.allCases.filter { anySize[$0.rawValue] || sizes[$0.rawValue].contains(size) }
    }

    /// The names of the signatures matching `digest` of a file of `size` bytes, in load order.
    func matches(_ algorithm: HashAlgorithm, digest: DigestKey, size: Int) -> [Int] {
        (entries[algorithm.rawValue][digest] ?? []).filter { $0.size == nil || $0.size == size }.map(\.name)
    }
}
