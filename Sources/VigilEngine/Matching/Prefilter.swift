/// The one pass over a buffer that finds candidate positions for every watched atom at once.
///
/// Per probed position it does one unaligned 4-byte load, a multiplicative hash and one bit test in a bitmap
/// sized to the atoms (4 KiB to 512 KiB); loads of neighbouring positions do not depend on each other, so the
/// CPU overlaps them (DESIGN.md: ~1.6 GB/s, against ~220 MB/s for a dependent-load automaton). Only positions
/// whose bit is set look up the exact 4 bytes in a hash table.
///
/// Only every `stride`-th position is probed for atoms of at least `stride + 3` bytes: each is entered as its
/// `stride` 4-byte windows, and exactly one of them starts on a probed position wherever the atom occurs.
/// Shorter atoms (up to ``maximumShortAtoms`` of them; beyond that the stride drops to what they allow) go
/// through a 64 Ki-bit bitmap on their first 2 bytes, checked at every position.
struct Prefilter: Sendable {
    /// The longest stride used.
    static let maximumStride = 4
    /// The most atoms shorter than the stride's minimum that are checked position by position.
    static let maximumShortAtoms = 256

    private let hashBits: Int
    /// How many positions one probe covers.
    let stride: Int

    /// Bitmap over hashed 4-byte windows.
    private var bitmap4: [UInt64]
    /// Open-addressed table: window value → group index (-1 empty).
    private var tableKeys: [UInt32]
    private var tableGroups: [Int32]
    private var tableMask: Int
    /// Groups of (signature id, window offset in its atom) sharing a window, `id << 3 | offset`, by descending
    /// offset so that a probe reports atoms in ascending position: `groupStart[g]..<groupStart[g+1]`.
    private var groupStart: [Int32]
    private var groupMembers: [Int32]
    /// Each member's whole atom (up to 7 bytes, little-endian) and the mask of its bytes: a window hit is
    /// passed on only when the whole atom is there, which rules out most chance hits with one load.
    private var memberAtoms: [UInt64]
    private var memberMasks: [UInt64]
    /// Bitmap over the first two bytes of short atoms, and the short atoms by those two bytes.
    private var bitmap2: [UInt64]
    /// Short atoms by their first two bytes: `shortStart[key]..<shortStart[key + 1]` in the member arrays,
    /// each an id, the atom's bytes (little-endian) and their count.
    private var shortStart: [Int32]
    private var shortIDs: [Int32]
    private var shortAtoms: [UInt64]
    private var shortLengths: [UInt8]

    /// Whether any atom was added.
    let isEmpty: Bool

    /// Builds the filter from atoms of 2 to 7 bytes, each with its signature id and where its most selective
    /// 4 bytes start (entered first, so that at stride 1 that window alone stands for the atom).
    init(atoms: [(atom: [UInt8], id: Int, best: Int)]) {
        isEmpty = atoms.isEmpty
        bitmap2 = Array(repeating: 0, count: (1 << 16) / 64)
        var short: [(key: UInt16, id: Int32, atom: UInt64, length: UInt8)] = []
        let full = Self.maximumStride + 3
        if atoms.filter({ $0.atom.count < full }).count <= Self.maximumShortAtoms {
            stride = Self.maximumStride
        } else {
            stride = max(1, min(Self.maximumStride, (atoms.map(\.atom.count).filter { $0 >= 4 }.min() ?? 4) - 3))
        }
        // 64 bits per window entered (about one chance hit in 64 probes), 2^15 bits (4 KiB, L1) to 2^22.
        var bits = 15
        while bits < 22 && (1 << bits) < atoms.count * stride * 64 { bits += 1 }
        hashBits = bits
        bitmap4 = Array(repeating: 0, count: (1 << bits) / 64)
        var long: [(key: UInt32, member: Int32, atom: UInt64, mask: UInt64)] = []
        for (atom, id, best) in atoms {
            if atom.count >= stride + 3 {
                let first = min(best, atom.count - 3 - stride)
                for offset in (first..<(first + stride)).reversed() {
                    let key = UInt32(atom[offset]) | UInt32(atom[offset + 1]) << 8 | UInt32(atom[offset + 2]) << 16
                        | UInt32(atom[offset + 3]) << 24
                    let mask: UInt64 = atom.count >= 8 ? ~0 : (1 << UInt64(8 * atom.count)) - 1
                    long.append((key, Int32(id << 3 | offset), atom.littleEndianWord, mask))
                }
            } else {
                let key = UInt16(atom[0]) | UInt16(atom[1]) << 8
                short.append((key, Int32(id), atom.littleEndianWord, UInt8(atom.count)))
                bitmap2[Int(key) >> 6] |= 1 << (UInt64(key) & 63)
            }
        }
        short = short.enumerated().sorted { ($0.element.key, $0.offset) < ($1.element.key, $1.offset) }.map(\.element)
        shortIDs = short.map(\.id)
        shortAtoms = short.map(\.atom)
        shortLengths = short.map(\.length)
        shortStart = Array(repeating: 0, count: (1 << 16) + 1)
        for entry in short { shortStart[Int(entry.key) + 1] += 1 }
        for key in 0..<(1 << 16) { shortStart[key + 1] += shortStart[key] }
        // Stable by key, so each group keeps descending offsets, then ascending ids.
        let ordered = long.enumerated().sorted { ($0.element.key, $0.offset) < ($1.element.key, $1.offset) }
        var capacity = 16
        while capacity < ordered.count * 2 { capacity <<= 1 }
        tableMask = capacity - 1
        tableKeys = Array(repeating: 0, count: capacity)
        tableGroups = Array(repeating: -1, count: capacity)
        groupStart = []
        groupMembers = ordered.map(\.element.member)
        memberAtoms = ordered.map(\.element.atom)
        memberMasks = ordered.map(\.element.mask)
        var i = 0
        while i < ordered.count {
            let key = ordered[i].element.key
            let group = Int32(groupStart.count)
            groupStart.append(Int32(i))
            var slot = Self.slot(key) & tableMask
            while tableGroups[slot] >= 0 { slot = (slot + 1) & tableMask }
            tableKeys[slot] = key
            tableGroups[slot] = group
            let bit = Int(Self.hash(key) >> UInt32(32 - hashBits))
            bitmap4[bit >> 6] |= 1 << UInt64(bit & 63)
            while i < ordered.count && ordered[i].element.key == key { i += 1 }
        }
        groupStart.append(Int32(ordered.count))
    }

    @inline(__always)
    static func hash(_ key: UInt32) -> UInt32 { key &* 0x9E37_79B1 }

    /// A table slot from the high bits of a 64-bit multiplicative hash (low bits of a product are weak).
    @inline(__always)
    static func slot(_ key: UInt32) -> Int { Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 32) }

    /// Calls `visit(id, atomPosition)` for each candidate in ascending position order (within `stride - 1`
    /// bytes); stops when it returns false.
    func scan(_ data: UnsafeRawBufferPointer, _ visit: (Int, Int) -> Bool) {
        guard !isEmpty, data.count >= 2, let base = data.baseAddress else { return }
        let hasShort = !shortIDs.isEmpty
        let count = data.count
        let shift = UInt32(32 - hashBits)
        let step = stride
        bitmap4.withUnsafeBufferPointer { bits4 in
            bitmap2.withUnsafeBufferPointer { bits2 in
                var i = 0
                while i < count {
                    if i + 4 <= count {
                        let w = (base + i).loadUnaligned(as: UInt32.self)
                        let bit = Int(Self.hash(w) >> shift)
                        if bits4[bit >> 6] & (1 << UInt64(bit & 63)) != 0, !visitLong(w, i, data, visit) { return }
                    }
                    if hasShort {
                        var j = i
                        while j < i + step && j + 2 <= count {
                            let h = (base + j).loadUnaligned(as: UInt16.self)
                            if bits2[Int(h) >> 6] & (1 << (UInt64(h) & 63)) != 0, !visitShort(h, j, data, visit) {
                                return
                            }
                            j += 1
                        }
                    }
                    i += step
                }
            }
        }
    }

    @inline(never)
    private func visitLong(_ key: UInt32, _ position: Int, _ data: UnsafeRawBufferPointer,
        _ visit: (Int, Int) -> Bool) -> Bool
    {
        var slot = Self.slot(key) & tableMask
        while tableGroups[slot] >= 0 {
            if tableKeys[slot] == key {
                let g = Int(tableGroups[slot])
                for m in Int(groupStart[g])..<Int(groupStart[g + 1]) {
                    let member = Int(groupMembers[m])
                    let start = position - (member & 7)
                    guard start >= 0 else { continue }
                    if start + 8 <= data.count,
                        data.loadUnaligned(fromByteOffset: start, as: UInt64.self) & memberMasks[m] != memberAtoms[m]
                    {
                        continue
                    }
                    if !visit(member >> 3, start) { return false }
                }
                return true
            }
            slot = (slot + 1) & tableMask
        }
        return true
    }

    @inline(never)
    private func visitShort(_ key: UInt16, _ position: Int, _ data: UnsafeRawBufferPointer,
        _ visit: (Int, Int) -> Bool) -> Bool
    {
        for m in Int(shortStart[Int(key)])..<Int(shortStart[Int(key) + 1]) {
            let length = Int(shortLengths[m])
            guard position + length <= data.count else { continue }
            var value: UInt64 = 0
            for k in 0..<length { value |= UInt64(data[position + k]) << UInt64(8 * k) }
            if value == shortAtoms[m], !visit(Int(shortIDs[m]), position) { return false }
        }
        return true
    }
}

extension Array where Element == UInt8 {
    /// Up to 8 bytes as a little-endian word, as an unaligned load from data would read them.
    fileprivate var littleEndianWord: UInt64 {
        var value: UInt64 = 0
        for (k, b) in prefix(8).enumerated() { value |= UInt64(b) << UInt64(8 * k) }
        return value
    }
}
