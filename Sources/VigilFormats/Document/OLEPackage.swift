/// Embedded OLE objects as Word and WordPad store them: an OLE 1.0 object (`\objdata` of RTF) wraps native
/// data, and the native data of a `Package` object (also the content of an OLE2 `\u{1}Ole10Native` stream)
/// is a file with its name.
enum OLEPackage {
    /// The native data of an OLE 1.0 embedded object (version, format 2, class name, topic and item names,
    /// data length, data) and its class name; `nil` if `object` is not one.
    static func nativeData(ofObject object: UnsafeRawBufferPointer) -> (
        className: String, data: UnsafeRawBufferPointer
    )? {
        let reader = ByteReader(object)
        guard reader.u32le(4) == 2 else { return nil }
        var offset = 8
        var className = ""
        for field in 0..<3 {
            guard let length = reader.u32le(offset).map(Int.init), reader.contains(offset + 4, length) else {
                return nil
            }
            if field == 0 { className = reader.cString(at: offset + 4, limit: offset + 4 + length) }
            offset += 4 + length
        }
        guard let length = reader.u32le(offset).map(Int.init) else { return nil }
        let start = offset + 4
        let end = start + min(length, object.count - start)
        return (className, UnsafeRawBufferPointer(rebasing: object[start..<end]))
    }

    /// The file a `Package` object's native data holds (signature 2, label, original path, type 3, temporary
    /// path, length, content) and its name; `nil` if `native` is not a packaged file. The content ends where
    /// the data does when the length promises more.
    static func packagedFile(_ native: UnsafeRawBufferPointer) -> (
        name: String, content: UnsafeRawBufferPointer, size: Int
    )? {
        let reader = ByteReader(native)
        guard reader.u16le(0) == 2, let labelEnd = terminator(native, from: 2),
            let pathEnd = terminator(native, from: labelEnd + 1), reader.u32le(pathEnd + 1) == 0x0003_0000,
            let temporaryLength = reader.u32le(pathEnd + 5).map(Int.init),
            reader.contains(pathEnd + 9, temporaryLength),
            let size = reader.u32le(pathEnd + 9 + temporaryLength).map(Int.init)
        else { return nil }
        let start = pathEnd + 13 + temporaryLength
        let end = start + min(size, native.count - start)
        let name = reader.cString(at: 2, limit: labelEnd)
        return (name, UnsafeRawBufferPointer(rebasing: native[start..<end]), size)
    }

    /// The index of the first NUL at or after `start`.
    private static func terminator(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        return bytes[start...].firstIndex(of: 0)
    }
}
