import VigilSignatures

/// A digest as a fixed-size key (up to 32 bytes, little-endian words).
struct DigestKey: Equatable, Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64)

    init<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 { words = HashSignature.words(of: bytes) }

    init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    static func == (a: DigestKey, b: DigestKey) -> Bool { a.words == b.words }

    /// A table slot: digests are uniformly distributed already.
    var slot: Int { Int(truncatingIfNeeded: words.0 ^ (words.1 >> 7)) }
}

/// Whole-file hash signatures in flat open-addressed tables (no per-signature allocation), with the sizes
/// they apply to, so a scan computes only the digests some signature could match for this file's size (as
/// clamscan checks sizes before hashing).
struct HashIndex: Sendable {
    /// One table per algorithm: slot → entry + 1 (0 empty).
    private var slots: [[UInt32]]
    private var masks: [Int]
    private var keys: [DigestKey] = []
    /// The size an entry applies to (-1: any).
    private var sizes: [Int64] = []
    private var names: [UInt32] = []
    /// The next entry with the same digest and algorithm, + 1 (0: none), in load order.
    private var sameDigest: [UInt32] = []
    /// Per algorithm: the sizes signatures name, sorted, and whether any signature takes any size.
    private var knownSizes: [[Int64]]
    private var anySize: [Bool]

    /// Indexes `signatures`; signature `i` has name index `firstName + i`.
    init(_ signatures: [HashSignature], firstName: Int) {
        let algorithms = HashAlgorithm.allCases.count
        var counts = Array(repeating: 0, count: algorithms)
        for s in signatures { counts[s.algorithm.rawValue] += 1 }
        masks = counts.map { n in
            var capacity = 16
            while capacity < n * 2 { capacity <<= 1 }
            return capacity - 1
        }
        slots = masks.map { Array(repeating: 0, count: $0 + 1) }
        knownSizes = Array(repeating: [], count: algorithms)
        anySize = Array(repeating: false, count: algorithms)
        keys.reserveCapacity(signatures.count)
        var tails: [Int] = []
        for (i, s) in signatures.enumerated() {
            let a = s.algorithm.rawValue
            let key = DigestKey(words: s.digestWords)
            keys.append(key)
            sizes.append(s.size.map(Int64.init) ?? -1)
            names.append(UInt32(firstName + i))
            sameDigest.append(0)
            tails.append(i)
            if let size = s.size { knownSizes[a].append(Int64(size)) } else { anySize[a] = true }
            var slot = key.slot & masks[a]
            while slots[a][slot] != 0 {
                let head = Int(slots[a][slot]) - 1
                if keys[head] == key {
                    sameDigest[tails[head]] = UInt32(i + 1)
                    tails[head] = i
                    break
                }
                slot = (slot + 1) & masks[a]
            }
            if slots[a][slot] == 0 { slots[a][slot] = UInt32(i + 1) }
        }
        knownSizes = knownSizes.map { Array(Set($0)).sorted() }
    }

    /// Whether the index holds no signature.
    var isEmpty: Bool { keys.isEmpty }

    /// The algorithms some signature could match on a file of `size` bytes.
    func algorithms(forSize size: Int) -> [HashAlgorithm] {
        HashAlgorithm.allCases.filter { a in
            anySize[a.rawValue] || Self.contains(knownSizes[a.rawValue], Int64(size))
        }
    }

    private static func contains(_ sorted: [Int64], _ value: Int64) -> Bool {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo < sorted.count && sorted[lo] == value
    }

    /// The names of the signatures matching `digest` of a file of `size` bytes: those for this size, then those
    /// for any size (as clamscan checks its sized set first), each in load order.
    func matches(_ algorithm: HashAlgorithm, digest: DigestKey, size: Int) -> [Int] {
        let a = algorithm.rawValue
        var slot = digest.slot & masks[a]
        while slots[a][slot] != 0 {
            var entry = Int(slots[a][slot]) - 1
            if keys[entry] == digest {
                var sized: [Int] = []
                var any: [Int] = []
                while true {
                    if sizes[entry] < 0 { any.append(Int(names[entry])) }
                    if sizes[entry] == Int64(size) { sized.append(Int(names[entry])) }
                    guard sameDigest[entry] != 0 else { return sized + any }
                    entry = Int(sameDigest[entry]) - 1
                }
            }
            slot = (slot + 1) & masks[a]
        }
        return []
    }
}
