import VigilSignatures

/// A digest as a fixed-size key (up to 32 bytes, little-endian words).
struct DigestKey: Equatable, Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64)

    init<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 { words = HashSignature.words(of: bytes) }

    init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    static func == (a: DigestKey, b: DigestKey) -> Bool { a.words == b.words }

    /// Word `i` (0 to 3).
    subscript(i: Int) -> UInt64 {
        switch i {
        case 0: words.0
        case 1: words.1
        case 2: words.2
        default: words.3
        }
    }

    /// A table slot: digests are uniformly distributed already.
    var slot: Int { Int(truncatingIfNeeded: words.0 ^ (words.1 >> 7)) }
}

/// Whole-file hash signatures of every algorithm, each in a flat open-addressed ``DigestTable``, with the sizes
/// they apply to, so a scan computes only the digests some signature could match for this file's size (as
/// clamscan checks sizes before hashing).
struct HashIndex: Sendable {
    private let tables: [DigestTable]

    /// Whether the index holds no signature.
    var isEmpty: Bool { tables.allSatisfy(\.isEmpty) }

    /// The algorithms some signature could match on a file of `size` bytes.
    func algorithms(forSize size: Int) -> [HashAlgorithm] {
        HashAlgorithm.allCases.filter { tables[$0.rawValue].applies(toSize: size) }
    }

    /// The names of the signatures matching `digest` of a file of `size` bytes: those for this size, then those
    /// for any size (as clamscan checks its sized set first), each in load order.
    func matches(_ algorithm: HashAlgorithm, digest: DigestKey, size: Int) -> [Int] {
        tables[algorithm.rawValue].matches(digest, size: size)
    }

    init(_ reader: inout ImageReader) throws(ImageError) {
        var tables: [DigestTable] = []
        for algorithm in HashAlgorithm.allCases { tables.append(try DigestTable(&reader, algorithm: algorithm)) }
        self.tables = tables
    }

    /// Writes `signatures` as an index; signature `i` has name index `firstName + i`.
    static func write(_ signatures: [HashSignature], firstName: Int, to writer: inout ImageWriter) {
        for algorithm in HashAlgorithm.allCases {
            let chosen = signatures.indices.filter { signatures[$0].algorithm == algorithm }
            DigestTable.write(signatures, chosen: chosen, firstName: firstName, algorithm: algorithm, to: &writer)
        }
    }
}

/// The signatures of one hash algorithm: slot → entry + 1 (0 empty), each entry's digest words, size, name
/// and the next entry with the same digest.
struct DigestTable: Sendable {
    /// The size clamscan records for `*` (any size): sizes are 32-bit there, as here.
    static let anySize = UInt32.max

    private let width: Int
    private let slots: FlatTable<UInt32>
    private let keys: FlatTable<UInt64>
    private let sizes: FlatTable<UInt32>
    private let names: FlatTable<UInt32>
    /// The next entry with the same digest, + 1 (0: none), in load order.
    private let sameDigest: FlatTable<UInt32>
    /// The sizes signatures name, sorted.
    private let knownSizes: FlatTable<UInt32>
    private let takesAnySize: Bool

    var isEmpty: Bool { names.isEmpty }

    init(_ reader: inout ImageReader, algorithm: HashAlgorithm) throws(ImageError) {
        width = (algorithm.digestLength + 7) / 8
        slots = try reader.table("HSLT")
        keys = try reader.table("HKEY")
        sizes = try reader.table("HSIZ")
        names = try reader.table("HNAM")
        sameDigest = try reader.table("HNXT")
        knownSizes = try reader.table("HKSZ")
        takesAnySize = try reader.flag("HANY")
        let entries = names.count
        guard slots.count > 0, slots.count & (slots.count - 1) == 0, slots.count > entries,
            keys.count == entries * width, sizes.count == entries, sameDigest.count == entries
        else { throw ImageError("malformed: \(algorithm) hash table sizes disagree") }
    }

    func applies(toSize size: Int) -> Bool {
        if takesAnySize { return true }
        guard size >= 0, size < Int(Self.anySize) else { return false }
        let value = UInt32(size)
        var lo = 0, hi = knownSizes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if knownSizes[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo < knownSizes.count && knownSizes[lo] == value
    }

    /// Whether entry `entry` of `keys` (`width` words each) holds `digest`: for the table read and the one
    /// being written alike.
    private static func keyEquals(_ keys: (Int) -> UInt64, _ entry: Int, width: Int, _ digest: DigestKey) -> Bool {
        (0..<width).allSatisfy { keys(entry * width + $0) == digest[$0] }
    }

    func matches(_ digest: DigestKey, size: Int) -> [Int] {
        let mask = slots.count - 1
        let entries = names.count
        var slot = digest.slot & mask
        for _ in 0..<slots.count {
            guard slots[slot] != 0 else { return [] }
            var entry = Int(slots[slot]) - 1
            if entry < entries, Self.keyEquals({ keys[$0] }, entry, width: width, digest) {
                var sized: [Int] = []
                var any: [Int] = []
                for _ in 0..<entries {
                    if sizes[entry] == Self.anySize { any.append(Int(names[entry])) }
                    else if Int(sizes[entry]) == size { sized.append(Int(names[entry])) }
                    let next = Int(sameDigest[entry])
                    guard next != 0, next <= entries else { break }
                    entry = next - 1
                }
                return sized + any
            }
            slot = (slot + 1) & mask
        }
        return []
    }

    /// Writes the table of `signatures[chosen]`; signature `i` has name index `firstName + i`.
    static func write(_ signatures: [HashSignature], chosen: [Int], firstName: Int, algorithm: HashAlgorithm,
        to writer: inout ImageWriter)
    {
        let width = (algorithm.digestLength + 7) / 8
        var capacity = 16
        while capacity < chosen.count * 2 { capacity <<= 1 }
        let mask = capacity - 1
        var slots = [UInt32](repeating: 0, count: capacity)
        var keys: [UInt64] = []
        keys.reserveCapacity(chosen.count * width)
        var sizes: [UInt32] = []
        sizes.reserveCapacity(chosen.count)
        var sameDigest = [UInt32](repeating: 0, count: chosen.count)
        var tails: [Int] = Array(chosen.indices)
        var known = Set<UInt32>()
        var takesAny = false
        for (i, index) in chosen.enumerated() {
            let s = signatures[index]
            let key = DigestKey(words: s.digestWords)
            for w in 0..<width { keys.append(key[w]) }
            // clamscan keeps sizes in 32 bits: a larger one wraps, as there.
            let size = s.size.map { UInt32(truncatingIfNeeded: $0) } ?? anySize
            sizes.append(size)
            if size == anySize { takesAny = true } else { known.insert(size) }
            var slot = key.slot & mask
            while slots[slot] != 0 {
                let head = Int(slots[slot]) - 1
                if keyEquals({ keys[$0] }, head, width: width, key) {
                    sameDigest[tails[head]] = UInt32(i + 1)
                    tails[head] = i
                    break
                }
                slot = (slot + 1) & mask
            }
            if slots[slot] == 0 { slots[slot] = UInt32(i + 1) }
        }
        writer.put("HSLT", slots)
        writer.put("HKEY", keys)
        writer.put("HSIZ", sizes)
        writer.put("HNAM", chosen.map { UInt32(firstName + $0) })
        writer.put("HNXT", sameDigest)
        writer.put("HKSZ", known.sorted())
        writer.put("HANY", takesAny)
    }
}
