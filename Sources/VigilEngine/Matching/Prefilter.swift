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
///
/// An atom's bytes may be masked (``Atom``): windows and keys are taken where its bytes are exact or letters in
/// either case, and the other bytes are checked under their masks. When some atom has letters in either case,
/// the filter folds case: windows and keys are read with bit 5 of each byte cleared (`A` and `a` alike, and
/// some other pairs, which the exact check sorts out).
struct Prefilter: Sendable {
    /// The longest stride used.
    static let maximumStride = 4
    /// The most atoms shorter than the stride's minimum that are checked position by position.
    static let maximumShortAtoms = 1024

    /// An atom: 2 to 7 bytes under masks (`bytes[k] & masks[k]` is what data must hold there), with two or more
    /// keys in a row (a key: mask 0xFF, or 0xDF for a letter in either case), the signature id, and where its
    /// most selective keys start.
    struct Atom {
        var bytes: [UInt8]
        var masks: [UInt8]
        var id: Int
        var best: Int

        /// The longest run of keys, as its start and length (the first of equal runs from `best` on).
        var keys: (start: Int, length: Int) {
            var out = (start: 0, length: 0)
            var start = 0
            for k in 0...masks.count {
                if k < masks.count && (masks[k] == 0xFF || masks[k] == 0xDF) { continue }
                let length = k - start
                if length > out.length || (length == out.length && start <= best) { out = (start, length) }
                start = k + 1
            }
            return out
        }

        /// Where the `stride` keys of `width` bytes entered for the atom start within its run of keys: `best` when
        /// there is room (the caller's choice, made knowing the signature), else the place whose keys hold the
        /// fewest bytes common in files (zero, space, 0xFF), which would make the keys hit often.
        func bestKeys(stride: Int, width: Int, in keys: (start: Int, length: Int), fold: UInt32) -> Int {
            let last = keys.start + keys.length - width - stride + 1
            if best >= keys.start && best <= last && masks.allSatisfy({ $0 == 0xFF }) { return best }
            func common(_ b: UInt8) -> Int {
                let folded = b & UInt8(truncatingIfNeeded: fold)
                return folded == 0 || folded == 0xFF & UInt8(truncatingIfNeeded: fold) || b == 0x20 ? 1 : 0
            }
            return (keys.start...last).min { a, b in
                func cost(_ f: Int) -> Int { (f..<(f + stride + width - 1)).reduce(0) { $0 + common(bytes[$1]) } }
                return (cost(a), a) < (cost(b), b)
            }!
        }
    }

    private let hashBits: Int
    /// What a window or key is masked with before it is looked up: all ones, or bit 5 of each byte cleared.
    private let fold: UInt32
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
    /// Bitmap over the first two bytes of short atoms' keys (empty when there are none), and over the second
    /// and third (every third byte for a key of two): a position goes on to the search only when both hold,
    /// which rules out most chance hits on text at the cost of a second L1 lookup.
    private let bitmap2: FlatTable<UInt64>
    private let bitmap2Next: FlatTable<UInt64>
    /// How many positions one short-atom test covers: 1, 2 or 4, below the shortest short atom's length.
    private let shortStride: Int
    /// Short atoms by two of their bytes (`shortKeys`, sorted), each entered under the 2-byte keys at its first
    /// `shortStride` offsets (`shortOffsets`), with an id, the atom's bytes (little-endian) and their count.
    private let shortKeys: FlatTable<UInt16>
    /// Where the keys with each second byte start in the short tables (257 entries: those with second byte b are
    /// `shortStart[b]..<shortStart[b + 1]`), so a lookup searches a few entries.
    private let shortStart: FlatTable<Int32>
    private let shortOffsets: FlatTable<UInt8>
    private let shortIDs: FlatTable<Int32>
    private let shortAtoms: FlatTable<UInt64>
    private let shortMasks: FlatTable<UInt64>
    private let shortLengths: FlatTable<UInt8>

    /// Whether any atom was added.
    var isEmpty: Bool { groupMembers.isEmpty && shortIDs.isEmpty }

    /// Reads a filter whose member ids must be below `patterns`.
    init(_ reader: inout ImageReader, patterns: Int) throws(ImageError) {
        hashBits = try reader.integer("PBIT", in: 15...22)
        stride = try reader.integer("PSTR", in: 1...Self.maximumStride)
        fold = try reader.flag("PFLD") ? 0xDFDF_DFDF : ~0
        bitmap4 = try reader.table("PBM4")
        tableKeys = try reader.table("PTKY")
        tableGroups = try reader.table("PTGR")
        groupStart = try reader.table("PGST")
        groupMembers = try reader.table("PGMB")
        memberAtoms = try reader.table("PMAT")
        memberMasks = try reader.table("PMMS")
        bitmap2 = try reader.table("PBM2")
        bitmap2Next = try reader.table("PBMN")
        shortStride = try reader.integer("PSSS", in: 1...Self.maximumStride)
        shortKeys = try reader.table("PSKY")
        shortStart = try reader.table("PSIX")
        shortOffsets = try reader.table("PSOF")
        shortIDs = try reader.table("PSID")
        shortAtoms = try reader.table("PSAT")
        shortMasks = try reader.table("PSMK")
        shortLengths = try reader.table("PSLN")
        tableMask = tableKeys.count - 1
        let members = groupMembers.count
        let shorts = shortIDs.count
        guard bitmap4.count == (1 << hashBits) / 64, tableKeys.count > 0, tableKeys.count & tableMask == 0,
            tableGroups.count == tableKeys.count, groupStart.count >= 1,
            Int(groupStart[groupStart.count - 1]) == members,
            memberAtoms.count == members, memberMasks.count == members,
            shorts == 0 ? bitmap2.isEmpty : bitmap2.count == 1024, bitmap2Next.count == bitmap2.count,
            shortKeys.count == shorts, shorts == 0 ? shortStart.isEmpty : shortStart.count == 257,
            shortOffsets.count == shorts, stride % shortStride == 0,
            shortAtoms.count == shorts, shortMasks.count == shorts, shortLengths.count == shorts
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
                (0..<shorts).allSatisfy({ shortOffsets[$0] + 2 <= shortLengths[$0] })
            else {
                throw ImageError("malformed: prefilter short atoms disagree")
            }
        }
    }

    /// Writes the filter for atoms of 2 to 7 exact bytes, each with its signature id and where its most selective
    /// 4 bytes start (entered first, so that at stride 1 that window alone stands for the atom).
    static func write(atoms: [(atom: [UInt8], id: Int, best: Int)], to writer: inout ImageWriter) {
        write(
            atoms: atoms.map {
                Atom(bytes: $0.atom, masks: Array(repeating: 0xFF, count: $0.atom.count), id: $0.id, best: $0.best)
            },
            to: &writer)
    }

    /// Writes the filter for masked atoms.
    static func write(atoms: [Atom], to writer: inout ImageWriter) {
        var bitmap2 = [UInt64](repeating: 0, count: (1 << 16) / 64)
        var bitmap2Next = bitmap2
        var short: [(key: UInt16, id: Int32, atom: UInt64, mask: UInt64, length: UInt8, offset: UInt8)] = []
        let runs = atoms.map(\.keys)
        precondition(runs.allSatisfy { $0.length >= 2 }, "a prefilter atom needs two keys in a row")
        let fold: UInt32 = atoms.contains { $0.masks.contains(0xDF) } ? 0xDFDF_DFDF : ~0
        // The longest stride whose atoms with too few keys in a row (under stride + 3) the short path can take;
        // at stride 1 every atom with four keys in a row is long.
        let stride =
            (2...Self.maximumStride).reversed().first { s in
                runs.lazy.filter { $0.length < s + 3 }.count <= Self.maximumShortAtoms
            } ?? 1
        // 64 bits per window entered (about one chance hit in 64 probes), 2^15 bits (4 KiB, L1) to 2^22.
        var hashBits = 15
        while hashBits < 22 && (1 << hashBits) < atoms.count * stride * 64 { hashBits += 1 }
        var bitmap4 = [UInt64](repeating: 0, count: (1 << hashBits) / 64)
        var long: [(key: UInt32, member: Int32, atom: UInt64, mask: UInt64)] = []
        var shortAtoms: [(atom: Atom, keys: (start: Int, length: Int))] = []
        for (atom, keys) in zip(atoms, runs) {
            let value = atom.bytes.littleEndianWord & atom.masks.littleEndianWord
            let mask = atom.masks.littleEndianWord
            if keys.length >= stride + 3 {
                let first = atom.bestKeys(stride: stride, width: 4, in: keys, fold: fold)
                for offset in (first..<(first + stride)).reversed() {
                    let key =
                        UInt32(truncatingIfNeeded: atom.bytes[offset..<(offset + 4)].littleEndianWord) & fold
                    long.append((key, Int32(atom.id << 3 | offset), value, mask))
                }
            } else {
                shortAtoms.append((atom, keys))
            }
        }
        // Short atoms with at least n + 1 keys in a row need testing only every n-th position, each entered
        // under its keys at n offsets in a row (n dividing the stride, so the positions tested cover every n in
        // a row).
        let fewest = shortAtoms.map(\.keys.length).min() ?? 2
        let shortStride = [4, 2, 1].first { $0 <= fewest - 1 && stride % $0 == 0 }!
        for (atom, keys) in shortAtoms {
            let value = atom.bytes.littleEndianWord & atom.masks.littleEndianWord
            let mask = atom.masks.littleEndianWord
            let first = atom.bestKeys(stride: shortStride, width: 2, in: keys, fold: fold)
            for o in first..<(first + shortStride) {
                let key = UInt16(truncatingIfNeeded: atom.bytes[o..<(o + 2)].littleEndianWord & UInt64(fold))
                bitmap2[Int(key) >> 6] |= 1 << (UInt64(key) & 63)
                let second = UInt16(atom.bytes[o + 1] & UInt8(truncatingIfNeeded: fold))
                let thirds: [UInt8] =
                    o + 2 < keys.start + keys.length
                    ? [atom.bytes[o + 2] & UInt8(truncatingIfNeeded: fold)] : Array(0...255)
                for third in thirds {
                    let next = second | UInt16(third) << 8
                    bitmap2Next[Int(next) >> 6] |= 1 << (UInt64(next) & 63)
                }
                short.append((key, Int32(atom.id), value, mask, UInt8(atom.bytes.count), UInt8(o)))
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
        writer.put("PFLD", fold != ~0)
        writer.put("PBM4", bitmap4)
        writer.put("PTKY", tableKeys)
        writer.put("PTGR", tableGroups)
        writer.put("PGST", groupStart)
        writer.put("PGMB", ordered.map(\.element.member))
        writer.put("PMAT", ordered.map(\.element.atom))
        writer.put("PMMS", ordered.map(\.element.mask))
        writer.put("PBM2", short.isEmpty ? [] : bitmap2)
        writer.put("PBMN", short.isEmpty ? [] : bitmap2Next)
        writer.put("PSSS", shortStride)
        writer.put("PSKY", short.map(\.key))
        var shortStart = [Int32](repeating: 0, count: 257)
        for entry in short { shortStart[Int(entry.key >> 8) + 1] += 1 }
        for b in 0..<256 { shortStart[b + 1] += shortStart[b] }
        writer.put("PSIX", short.isEmpty ? [] : shortStart)
        writer.put("PSOF", short.map(\.offset))
        writer.put("PSID", short.map(\.id))
        writer.put("PSAT", short.map(\.atom))
        writer.put("PSMK", short.map(\.mask))
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
        let bits2Next = bitmap2Next.buffer
        let fold4 = fold
        let fold2 = UInt16(truncatingIfNeeded: fold)
        var i = 0
        if 4 % step == 0 {
            // The bulk: one 8-byte load serves the 4-byte probes at i, i + step, … below i + 4 and the four
            // 2-byte keys at i..<i+4.
            while i + 8 <= count {
                let w = (base + i).loadUnaligned(as: UInt64.self)
                @inline(__always) func probe(_ p: Int) -> Bool {
                    let low = UInt32(truncatingIfNeeded: w &>> UInt64(8 &* p)) & fold4
                    let bit = Int(Self.hash(low) &>> shift)
                    return bits4[bit &>> 6] & (1 &<< UInt64(bit & 63)) == 0 || visitLong(low, i + p, data, visit)
                }
                switch step {
                case 4: if !probe(0) { return }
                case 2: if !probe(0) || !probe(2) { return }
                default: if !probe(0) || !probe(1) || !probe(2) || !probe(3) { return }
                }
                if hasShort {
                    // Constant shifts per stride, as the long probes.
                    @inline(__always) func short(_ k: Int) -> Bool {
                        let h = UInt16(truncatingIfNeeded: w &>> UInt64(8 &* k)) & fold2
                        guard bits2[Int(h) &>> 6] & (1 &<< (UInt64(h) & 63)) != 0 else { return true }
                        let n = UInt16(truncatingIfNeeded: w &>> UInt64(8 &* k &+ 8)) & fold2
                        return bits2Next[Int(n) &>> 6] & (1 &<< (UInt64(n) & 63)) == 0
                            || visitShort(h, i + k, data, visit)
                    }
                    switch shortStep {
                    case 4: if !short(0) { return }
                    case 2: if !short(0) || !short(2) { return }
                    default: if !short(0) || !short(1) || !short(2) || !short(3) { return }
                    }
                }
                i += 4
            }
        }
        while i < count {
            if i + 4 <= count {
                let w = (base + i).loadUnaligned(as: UInt32.self) & fold4
                let bit = Int(Self.hash(w) &>> shift)
                if bits4[bit &>> 6] & (1 &<< UInt64(bit & 63)) != 0, !visitLong(w, i, data, visit) { return }
            }
            if hasShort {
                var j = i
                while j < i + step && j + 2 <= count {
                    let h = (base + j).loadUnaligned(as: UInt16.self) & fold2
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
        // Bounds checked here rather than when the image is read; the bucket is sorted by key.
        var lo = max(0, Int(shortStart[Int(key >> 8)]))
        var hi = min(shortKeys.count, Int(shortStart[Int(key >> 8) + 1]))
        guard lo < hi else { return true }
        let end = hi
        while lo < hi {
            let mid = (lo + hi) / 2
            if shortKeys[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        for m in lo..<end {
            guard shortKeys[m] == key else { break }
            let length = Int(shortLengths[m])
            let start = position - Int(shortOffsets[m])
            guard start >= 0, start + length <= data.count else { continue }
            var value: UInt64 = 0
            if start + 8 <= data.count {
                value = data.loadUnaligned(fromByteOffset: start, as: UInt64.self)
            } else {
                for k in 0..<length { value |= UInt64(data[start + k]) << UInt64(8 * k) }
            }
            if value & shortMasks[m] == shortAtoms[m], !visit(Int(shortIDs[m]), start) { return false }
        }
        return true
    }
}

extension Collection where Element == UInt8 {
    /// Up to 8 bytes as a little-endian word, as an unaligned load from data would read them.
    fileprivate var littleEndianWord: UInt64 {
        var value: UInt64 = 0
        for (k, b) in prefix(8).enumerated() { value |= UInt64(b) << UInt64(8 * k) }
        return value
    }
}
