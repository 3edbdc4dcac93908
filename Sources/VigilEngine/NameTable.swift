/// Signature names in one UTF-8 pool with end offsets: a database of a million signatures holds two arrays,
/// not a million strings (and the pool is what the compiled `.vdb` maps, docs/VDB.md).
struct NameTable: Sendable {
    private var pool: [UInt8] = []
    private var ends: [UInt32] = []

    /// How many names the table holds.
    var count: Int { ends.count }

    /// Adds a name; its index is the count before.
    mutating func append(_ name: String) {
        pool.append(contentsOf: name.utf8)
        ends.append(UInt32(pool.count))
    }

    /// Adds names in order.
    mutating func append<Names: Sequence>(contentsOf names: Names) where Names.Element == String {
        for name in names { append(name) }
    }

    /// The name with index `index`.
    subscript(index: Int) -> String {
        let start = index == 0 ? 0 : Int(ends[index - 1])
        return String(decoding: pool[start..<Int(ends[index])], as: UTF8.self)
    }
}
