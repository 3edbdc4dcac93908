import CVigilZlib

/// Zip archives written byte by byte, for the shapes libarchive's writer will not make: members the central
/// directory does not list, sizes deferred to a data descriptor, records that overlap.
public enum RawZip {
    /// One member, stored unless `method` and `packed` say how its data was compressed.
    public struct Entry: Sendable {
        public var name: String
        public var data: [UInt8]
        /// The compression method, and the compressed data (`nil`: the data stored).
        public var method: UInt16 = 0
        public var packed: [UInt8]?
        /// General-purpose flags (bit 0: encrypted; bit 3: sizes in a data descriptor after the data).
        public var flags: UInt16
        /// Whether the central directory lists it.
        public var listed: Bool

        public init(_ name: String, _ data: [UInt8], flags: UInt16 = 0, listed: Bool = true) {
            self.name = name
            self.data = data
            self.flags = flags
            self.listed = listed
        }

        public init(_ name: String, _ data: [UInt8], method: UInt16, packed: [UInt8], flags: UInt16 = 0) {
            self.init(name, data, flags: flags)
            self.method = method
            self.packed = packed
        }
    }

    /// The members stored one after the other, then a central directory of the listed ones.
    public static func build(_ entries: [Entry]) -> [UInt8] {
        var body: [UInt8] = []
        var central: [UInt8] = []
        var listed = 0
        for entry in entries {
            let offset = body.count
            let deferred = entry.flags & 8 != 0
            let crc = checksum(entry.data)
            let stored = entry.packed ?? entry.data
            body +=
                localHeader(
                    entry.name, size: deferred ? 0 : entry.data.count, crc: deferred ? 0 : crc,
                    flags: entry.flags, method: entry.method, packed: deferred ? 0 : stored.count) + stored
            if deferred {
                body +=
                    le32(0x0807_4b50) + le32(crc) + le32(UInt32(stored.count))
                    + le32(UInt32(entry.data.count))
            }
            if entry.listed {
                central += centralHeader(
                    entry.name, size: entry.data.count, crc: crc, flags: entry.flags, offset: offset,
                    method: entry.method, packed: stored.count)
                listed += 1
            }
        }
        return body + central + endRecord(count: listed, size: central.count, offset: body.count)
    }

    /// `depth` members each stored inside the previous one's data, so that every record overlaps the
    /// next: the shape of a non-recursive zip bomb.
    public static func nested(depth: Int, payload: [UInt8]) -> [UInt8] {
        var data = payload
        var sizes: [(name: String, size: Int, crc: UInt32, header: Int)] = []
        for level in (0..<depth).reversed() {
            let name = "f\(level)"
            let header = localHeader(name, size: data.count, crc: checksum(data), flags: 0)
            sizes.insert((name, data.count, checksum(data), header.count), at: 0)
            data = header + data
        }
        var central: [UInt8] = []
        var offset = 0
        for (name, size, crc, header) in sizes {
            central += centralHeader(name, size: size, crc: crc, flags: 0, offset: offset)
            offset += header
        }
        return data + central + endRecord(count: depth, size: central.count, offset: data.count)
    }

    static func checksum(_ data: [UInt8]) -> UInt32 {
        UInt32(data.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) })
    }

    static func localHeader(
        _ name: String, size: Int, crc: UInt32, flags: UInt16, method: UInt16 = 0,
        packed: Int? = nil
    ) -> [UInt8] {
        le32(0x0403_4b50) + le16(10) + le16(flags) + le16(method)
            + le32(0) + le32(crc) + le32(UInt32(packed ?? size))
            + le32(UInt32(size)) + le16(UInt16(name.utf8.count)) + le16(0)
            + Array(name.utf8)
    }

    static func centralHeader(
        _ name: String, size: Int, crc: UInt32, flags: UInt16, offset: Int,
        method: UInt16 = 0, packed: Int? = nil
    ) -> [UInt8] {
        le32(0x0201_4b50) + le16(20) + le16(10) + le16(flags)
            + le16(method) + le32(0) + le32(crc)
            + le32(UInt32(packed ?? size)) + le32(UInt32(size))
            + le16(UInt16(name.utf8.count)) + le16(0) + le16(0)
            + le16(0) + le16(0)
            + le32(0) + le32(UInt32(offset)) + Array(name.utf8)
    }

    static func endRecord(count: Int, size: Int, offset: Int) -> [UInt8] {
        le32(0x0605_4b50) + le16(0) + le16(0) + le16(UInt16(count))
            + le16(UInt16(count)) + le32(UInt32(size))
            + le32(UInt32(offset)) + le16(0)
    }

}
