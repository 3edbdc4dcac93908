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
/// through a 64 Ki-bit bitmap on 2-byte keys, checked every position or, when all are longer, every 2nd or
/// 4th (each atom entered under the keys at its first offsets), then a binary search.
struct Prefilter: Sendable {
    /// The longest stride used.
    static let maximumStride = 4
    /// The most atoms shorter than the stride's minimum that are checked position by position.
    static let maximumShortAtoms = 256

    private let hashBits: Int
    /// How many positions one probe covers.
    let stride: Int

    /// Bitmap over hashed 4-byte windows.
    private let bitmap4: FlatTable<UInt64>
    /// Open-addressed table: window value → group index (-1 empty).
    private let tableKeys: FlatTable<UInt32>
    private let tableGroups: FlatTable<Int32>
    private let tableMask: Int
    /// Groups of (signature id, window offset in its atom) sharing a window, `id << 3 | offset`, by descending
    /// offset so that a probe reports atoms in ascending position: `groupStart[g]..<groupStart[g+1]`.
    private let groupStart: FlatTable<Int32>
    private let groupMembers: FlatTable<Int32>
    /// Each member's whole atom (up to 7 bytes, little-endian) and the mask of its bytes: a window hit is
    /// passed on only when the whole atom is there, which rules out most chance hits with one load.
    private let memberAtoms: FlatTable<UInt64>
    private let memberMasks: FlatTable<UInt64>
    /// Bitmap over the first two bytes of short atoms (empty when there are none).
    private let bitmap2: FlatTable<UInt64>
    /// How many positions one short-atom test covers: 1, 2 or 4, below the shortest short atom's length.
    private let shortStride: Int
    /// Short atoms by two of their bytes (`shortKeys`, sorted), each entered under the 2-byte keys at its first
    /// `shortStride` offsets (`shortOffsets`), with an id, the atom's bytes (little-endian) and their count.
    private let shortKeys: FlatTable<UInt16>
    private let shortOffsets: FlatTable<UInt8>
    private let shortIDs: FlatTable<Int32>
    private let shortAtoms: FlatTable<UInt64>
    private let shortLengths: FlatTable<UInt8>

    /// Whether any atom was added.
    var isEmpty: Bool { groupMembers.isEmpty && shortIDs.isEmpty }

    /// Reads a filter whose member ids must be below `patterns`.
    init(_ reader: inout ImageReader, patterns: Int) throws(ImageError) {
        hashBits = try reader.integer("PBIT", in: 15...22)
        stride = try reader.integer("PSTR", in: 1...Self.maximumStride)
        bitmap4 = try reader.table("PBM4")
        tableKeys = try reader.table("PTKY")
        tableGroups = try reader.table("PTGR")
        groupStart = try reader.table("PGST")
        groupMembers = try reader.table("PGMB")
        memberAtoms = try reader.table("PMAT")
        memberMasks = try reader.table("PMMS")
        bitmap2 = try reader.table("PBM2")
        shortStride = try reader.integer("PSSS", in: 1...Self.maximumStride)
        shortKeys = try reader.table("PSKY")
        shortOffsets = try reader.table("PSOF")
        shortIDs = try reader.table("PSID")
        shortAtoms = try reader.table("PSAT")
        shortLengths = try reader.table("PSLN")
        tableMask = tableKeys.count - 1
        let members = groupMembers.count
        let shorts = shortIDs.count
        guard bitmap4.count == (1 << hashBits) / 64, tableKeys.count > 0, tableKeys.count & tableMask == 0,
            tableGroups.count == tableKeys.count, groupStart.count >= 1,
            Int(groupStart[groupStart.count - 1]) == members,
            memberAtoms.count == members, memberMasks.count == members,
            shorts == 0 ? bitmap2.isEmpty : bitmap2.count == 1024, shortKeys.count == shorts,
            shortOffsets.count == shorts, stride % shortStride == 0,
            shortAtoms.count == shorts, shortLengths.count == shorts
        else { throw ImageError("malformed: prefilter tables disagree") }
        guard tableGroups.buffer.contains(-1) else { throw ImageError("malformed: prefilter table has no empty slot") }
        // Indexes read in the hot loop are checked once here (these tables are small next to the hash tables).
        for g in tableGroups.indices where tableGroups[g] >= groupStart.count - 1 {
            throw ImageError("malformed: prefilter group \(tableGroups[g]) out of range")
        }
        for g in 1..<groupStart.count where groupStart[g] < groupStart[g - 1] || groupStart[g - 1] < 0 {
            throw ImageError("malformed: prefilter groups out of order")
        }
        guard groupMembers.buffer.allSatisfy({ $0 >= 0 && Int($0 >> 3) < patterns }) else {
            throw ImageError("malformed: prefilter member out of range")
        }
        if shorts > 0 {
            guard (1..<shorts).allSatisfy({ shortKeys[$0 - 1] <= shortKeys[$0] }),
                shortIDs.buffer.allSatisfy({ $0 >= 0 && $0 < patterns }),
                shortLengths.buffer.allSatisfy({ (2...8).contains($0) }),
                shortOffsets.buffer.allSatisfy({ Int($0) < shortStride })
            else {
                throw ImageError("malformed: prefilter short atoms disagree")
            }
        }
    }

    /// Writes the filter for atoms of 2 to 7 bytes, each with its signature id and where its most selective
    /// 4 bytes start (entered first, so that at stride 1 that window alone stands for the atom).
    static func write(atoms: [(atom: [UInt8], id: Int, best: Int)], to writer: inout ImageWriter) {
        var bitmap2 = [UInt64](repeating: 0, count: (1 << 16) / 64)
        var short: [(key: UInt16, id: Int32, atom: UInt64, length: UInt8, offset: UInt8)] = []
        // The longest stride whose too-short atoms (under stride + 3 bytes) the short path can take; at stride 1
        // every atom of 4 bytes or more is long.
        let stride =
            (2...Self.maximumStride).reversed().first { s in
                atoms.lazy.filter { $0.atom.count < s + 3 }.count <= Self.maximumShortAtoms
            } ?? 1
        // 64 bits per window entered (about one chance hit in 64 probes), 2^15 bits (4 KiB, L1) to 2^22.
        var hashBits = 15
        while hashBits < 22 && (1 << hashBits) < atoms.count * stride * 64 { hashBits += 1 }
        var bitmap4 = [UInt64](repeating: 0, count: (1 << hashBits) / 64)
        var long: [(key: UInt32, member: Int32, atom: UInt64, mask: UInt64)] = []
        for (atom, id, best) in atoms {
            if atom.count >= stride + 3 {
                let first = min(best, atom.count - 3 - stride)
                for offset in (first..<(first + stride)).reversed() {
                    let key =
                        UInt32(atom[offset]) | UInt32(atom[offset + 1]) << 8 | UInt32(atom[offset + 2]) << 16
                        | UInt32(atom[offset + 3]) << 24
                    let mask: UInt64 = atom.count >= 8 ? ~0 : (1 << UInt64(8 * atom.count)) - 1
                    long.append((key, Int32(id << 3 | offset), atom.littleEndianWord, mask))
                }
            } else {
                short.append((0, Int32(id), atom.littleEndianWord, UInt8(atom.count), 0))
            }
        }
        // Short atoms of at least n + 1 bytes need testing only every n-th position, each entered under its
        // keys at offsets 0..<n (n dividing the stride, so the positions tested cover every n in a row).
        let shortest = atoms.map(\.atom.count).filter { $0 < stride + 3 }.min() ?? 2
        let shortStride = [4, 2, 1].first { $0 <= shortest - 1 && stride % $0 == 0 }!
        short = short.flatMap { entry in
            (0..<shortStride).map { o in
                let key = UInt16(truncatingIfNeeded: entry.atom >> UInt64(8 * o))
                bitmap2[Int(key) >> 6] |= 1 << (UInt64(key) & 63)
                return (key, entry.id, entry.atom, entry.length, UInt8(o))
            }
        }
        // By key, then by descending offset, so that one test reports starts in ascending order (a repeated atom's
        // starts are each counted once, in order).
        short = short.enumerated().sorted {
            ($0.element.key, -Int($0.element.offset), $0.offset) < ($1.element.key, -Int($1.element.offset), $1.offset)
        }.map(\.element)
        // Stable by key, so each group keeps descending offsets, then ascending ids.
        let ordered = long.enumerated().sorted { ($0.element.key, $0.offset) < ($1.element.key, $1.offset) }
        var capacity = 16
        while capacity < ordered.count * 2 { capacity <<= 1 }
        var tableKeys = [UInt32](repeating: 0, count: capacity)
        var tableGroups = [Int32](repeating: -1, count: capacity)
        var groupStart: [Int32] = []
        var i = 0
        while i < ordered.count {
            let key = ordered[i].element.key
            let group = Int32(groupStart.count)
            groupStart.append(Int32(i))
            var slot = Self.slot(key) & (capacity - 1)
            while tableGroups[slot] >= 0 { slot = (slot + 1) & (capacity - 1) }
            tableKeys[slot] = key
            tableGroups[slot] = group
            let bit = Int(Self.hash(key) >> UInt32(32 - hashBits))
            bitmap4[bit >> 6] |= 1 << UInt64(bit & 63)
            while i < ordered.count && ordered[i].element.key == key { i += 1 }
        }
        groupStart.append(Int32(ordered.count))
        writer.put("PBIT", hashBits)
        writer.put("PSTR", stride)
        writer.put("PBM4", bitmap4)
        writer.put("PTKY", tableKeys)
        writer.put("PTGR", tableGroups)
        writer.put("PGST", groupStart)
        writer.put("PGMB", ordered.map(\.element.member))
        writer.put("PMAT", ordered.map(\.element.atom))
        writer.put("PMMS", ordered.map(\.element.mask))
        writer.put("PBM2", short.isEmpty ? [] : bitmap2)
        writer.put("PSSS", shortStride)
        writer.put("PSKY", short.map(\.key))
        writer.put("PSOF", short.map(\.offset))
        writer.put("PSID", short.map(\.id))
        writer.put("PSAT", short.map(\.atom))
        writer.put("PSLN", short.map(\.length))
    }

    @inline(__always)
    static func hash(_ key: UInt32) -> UInt32 { key &* 0x9E37_79B1 }

    /// A table slot from the high bits of a 64-bit multiplicative hash (low bits of a product are weak).
    @inline(__always)
    static func slot(_ key: UInt32) -> Int { Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 32) }

    /// Calls `visit(id, atomPosition)` for each candidate in ascending position order (within 3
    /// bytes); stops when it returns false.
    func scan(_ data: UnsafeRawBufferPointer, _ visit: (Int, Int) -> Bool) {
        guard !isEmpty, data.count >= 2, let base = data.baseAddress else { return }
        let hasShort = !shortIDs.isEmpty
        let count = data.count
        let shift = UInt32(32 - hashBits)
        let step = stride
        let shortStep = shortStride
        let bits4 = bitmap4.buffer
        let bits2 = bitmap2.buffer
        var i = 0
        if 4 % step == 0 {
            // The bulk: one 8-byte load serves the 4-byte probes at i, i + step, … below i + 4 and the four
            // 2-byte keys at i..<i+4.
            while i + 8 <= count {
                let w = (base + i).loadUnaligned(as: UInt64.self)
                @inline(__always) func probe(_ p: Int) -> Bool {
                    let low = UInt32(truncatingIfNeeded: w &>> UInt64(8 &* p))
                    let bit = Int(Self.hash(low) &>> shift)
                    return bits4[bit &>> 6] & (1 &<< UInt64(bit & 63)) == 0 || visitLong(low, i + p, data, visit)
                }
                switch step {
                case 4: if !probe(0) { return }
                case 2: if !probe(0) || !probe(2) { return }
                default: if !probe(0) || !probe(1) || !probe(2) || !probe(3) { return }
                }
                if hasShort {
                    var k = 0
                    while k < 4 {
                        let h = UInt16(truncatingIfNeeded: w &>> UInt64(8 &* k))
                        if bits2[Int(h) &>> 6] & (1 &<< (UInt64(h) & 63)) != 0, !visitShort(h, i + k, data, visit) {
                            return
                        }
                        k += shortStep
                    }
                }
                i += 4
            }
        }
        while i < count {
            if i + 4 <= count {
                let w = (base + i).loadUnaligned(as: UInt32.self)
                let bit = Int(Self.hash(w) &>> shift)
                if bits4[bit &>> 6] & (1 &<< UInt64(bit & 63)) != 0, !visitLong(w, i, data, visit) { return }
            }
            if hasShort {
                var j = i
                while j < i + step && j + 2 <= count {
                    let h = (base + j).loadUnaligned(as: UInt16.self)
                    if bits2[Int(h) &>> 6] & (1 &<< (UInt64(h) & 63)) != 0, !visitShort(h, j, data, visit) { return }
                    j += shortStep
                }
            }
            i += step
        }
    }

    @inline(never)
    private func visitLong(
        _ key: UInt32, _ position: Int, _ data: UnsafeRawBufferPointer,
        _ visit: (Int, Int) -> Bool
    ) -> Bool {
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
    private func visitShort(
        _ key: UInt16, _ position: Int, _ data: UnsafeRawBufferPointer,
        _ visit: (Int, Int) -> Bool
    ) -> Bool {
        var lo = 0
        var hi = shortKeys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if shortKeys[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        var m = lo
        while m < shortKeys.count && shortKeys[m] == key {
            defer { m += 1 }
            let length = Int(shortLengths[m])
            let start = position - Int(shortOffsets[m])
            guard start >= 0, start + length <= data.count else { continue }
            var value: UInt64 = 0
            for k in 0..<length { value |= UInt64(data[start + k]) << UInt64(8 * k) }
            if value == shortAtoms[m], !visit(Int(shortIDs[m]), start) { return false }
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
