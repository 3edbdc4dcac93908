/// The one pass over a buffer that finds candidate positions for every watched atom at once.
///
/// Per position it does one unaligned 4-byte load, a multiplicative hash and one bit test in a 512 KiB
/// bitmap; loads of neighbouring positions do not depend on each other, so the CPU overlaps them (DESIGN.md:
/// ~1.6 GB/s, against ~220 MB/s for a dependent-load automaton). Only positions whose bit is set look up the
/// exact atom in a hash table. Atoms of 2 or 3 bytes go through a separate 64 Ki-bit bitmap on 2 bytes.
struct Prefilter: Sendable {
    static let hashBits = 22

    /// Bitmap over hashed 4-byte atoms.
    private var bitmap4: [UInt64]
    /// Open-addressed table: atom value → group index (-1 empty).
    private var tableKeys: [UInt32]
    private var tableGroups: [Int32]
    private var tableMask: Int
    /// Groups of signature ids sharing an atom: `groupStart[g]..<groupStart[g+1]` in `groupMembers`.
    private var groupStart: [Int32]
    private var groupMembers: [Int32]
    /// Bitmap over the first two bytes of short atoms, and the short atoms by those two bytes.
    private var bitmap2: [UInt64]
    private var shortAtoms: [UInt16: [(atom: [UInt8], id: Int32)]]

    /// Whether any atom was added.
    let isEmpty: Bool

    /// Builds the filter from `(atom, signature id)` pairs.
    init(atoms: [(atom: [UInt8], id: Int)]) {
        isEmpty = atoms.isEmpty
        bitmap4 = Array(repeating: 0, count: (1 << Self.hashBits) / 64)
        bitmap2 = Array(repeating: 0, count: (1 << 16) / 64)
        shortAtoms = [:]
        var long: [(key: UInt32, id: Int32)] = []
        for (atom, id) in atoms {
            if atom.count == 4 {
                let key = UInt32(atom[0]) | UInt32(atom[1]) << 8 | UInt32(atom[2]) << 16 | UInt32(atom[3]) << 24
                long.append((key, Int32(id)))
            } else {
                let key = UInt16(atom[0]) | UInt16(atom[1]) << 8
                shortAtoms[key, default: []].append((atom, Int32(id)))
                bitmap2[Int(key) >> 6] |= 1 << (UInt64(key) & 63)
            }
        }
        long.sort { $0.key != $1.key ? $0.key < $1.key : $0.id < $1.id }
        var capacity = 16
        while capacity < long.count * 2 { capacity <<= 1 }
        tableMask = capacity - 1
        tableKeys = Array(repeating: 0, count: capacity)
        tableGroups = Array(repeating: -1, count: capacity)
        groupStart = []
        groupMembers = long.map(\.id)
        var i = 0
        while i < long.count {
            let key = long[i].key
            let group = Int32(groupStart.count)
            groupStart.append(Int32(i))
            var slot = Self.slot(key) & tableMask
            while tableGroups[slot] >= 0 { slot = (slot + 1) & tableMask }
            tableKeys[slot] = key
            tableGroups[slot] = group
            let bit = Int(Self.hash(key) >> UInt32(32 - Self.hashBits))
            bitmap4[bit >> 6] |= 1 << UInt64(bit & 63)
            while i < long.count && long[i].key == key { i += 1 }
        }
        groupStart.append(Int32(long.count))
    }

    @inline(__always)
    static func hash(_ key: UInt32) -> UInt32 { key &* 0x9E37_79B1 }

    /// A table slot from the high bits of a 64-bit multiplicative hash (low bits of a product are weak).
    @inline(__always)
    static func slot(_ key: UInt32) -> Int { Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 32) }

    /// Calls `visit(id, position)` for each candidate in ascending position order; stops when it returns false.
    func scan(_ data: UnsafeRawBufferPointer, _ visit: (Int, Int) -> Bool) {
        guard !isEmpty, data.count >= 2, let base = data.baseAddress else { return }
        let hasShort = !shortAtoms.isEmpty
        let count = data.count
        bitmap4.withUnsafeBufferPointer { bits4 in
            bitmap2.withUnsafeBufferPointer { bits2 in
                var i = 0
                while i < count {
                    if i + 4 <= count {
                        let w = (base + i).loadUnaligned(as: UInt32.self)
                        let bit = Int(Self.hash(w) >> UInt32(32 - Self.hashBits))
                        if bits4[bit >> 6] & (1 << UInt64(bit & 63)) != 0, !visitLong(w, i, visit) { return }
                    }
                    if hasShort, i + 2 <= count {
                        let h = (base + i).loadUnaligned(as: UInt16.self)
                        if bits2[Int(h) >> 6] & (1 << (UInt64(h) & 63)) != 0,
                            !visitShort(h, i, data, visit)
                        {
                            return
                        }
                    }
                    i += 1
                }
            }
        }
    }

    @inline(never)
    private func visitLong(_ key: UInt32, _ position: Int, _ visit: (Int, Int) -> Bool) -> Bool {
        var slot = Self.slot(key) & tableMask
        while tableGroups[slot] >= 0 {
            if tableKeys[slot] == key {
                let g = Int(tableGroups[slot])
                for m in Int(groupStart[g])..<Int(groupStart[g + 1]) where !visit(Int(groupMembers[m]), position) {
                    return false
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
        for (atom, id) in shortAtoms[key] ?? [] {
            guard position + atom.count <= data.count else { continue }
            if atom.count == 3 && data[position + 2] != atom[2] { continue }
            if !visit(Int(id), position) { return false }
        }
        return true
    }
}
