/// Strings in one UTF-8 pool with end offsets: a database of a million signatures holds two tables, not a
/// million strings, and a compiled database maps them where they lie. Signature names and signature source
/// lines are kept this way.
struct NameTable: Sendable {
    private let pool: FlatTable<UInt8>
    private let ends: FlatTable<UInt32>

    /// How many strings the table holds.
    var count: Int { ends.count }

    /// The string with index `index`; empty if the table is damaged there.
    subscript(index: Int) -> String {
        guard let bytes = bytes(index) else { return "" }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The bytes of string `index`, or nil if its recorded extent does not lie in the pool.
    func bytes(_ index: Int) -> UnsafeBufferPointer<UInt8>? {
        guard index >= 0, index < ends.count else { return nil }
        let start = index == 0 ? 0 : Int(ends[index - 1])
        let end = Int(ends[index])
        guard start <= end, end <= pool.count else { return nil }
        return pool[start..<end]
    }

    init(_ reader: inout ImageReader, pool: StaticString, ends: StaticString) throws(ImageError) {
        self.pool = try reader.table(pool)
        self.ends = try reader.table(ends)
    }

    /// Collects strings for a compiled image.
    struct Builder {
        private var pool: [UInt8] = []
        private var ends: [UInt32] = []

        /// How many strings were added.
        var count: Int { ends.count }

        /// Adds a string; its index is the count before.
        mutating func append(_ string: String) {
            pool.append(contentsOf: string.utf8)
            ends.append(UInt32(pool.count))
        }

        /// Adds strings in order.
        mutating func append<Strings: Sequence>(contentsOf strings: Strings) where Strings.Element == String {
            for string in strings { append(string) }
        }

        func write(to writer: inout ImageWriter, pool poolTag: StaticString, ends endsTag: StaticString) {
            writer.put(poolTag, pool)
            writer.put(endsTag, ends)
        }
    }
}
