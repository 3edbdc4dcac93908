/// Rich Text Format documents: the OLE objects embedded in `\objdata` groups, as clamscan's `rtf.c` extracts
/// them. Each group's hexadecimal text (and `\binN` raw bytes) is decoded into an OLE 1.0 object; a member
/// is the object's native data, or for a `Package` object the file it packages, or the decoded bytes when
/// they are not an OLE 1.0 object.
public enum RTF {
    /// Calls `visit` with each embedded object in document order, each at most `maximumSize` bytes, until it
    /// returns false.
    public static func forEachObject(
        in data: UnsafeRawBufferPointer, maximumSize: Int,
        _ visit: (ArchiveMember) -> Bool
    ) {
        var position = 0
        var index = 0
        while let start = controlWord("objdata", in: data, from: position) {
            let (object, end) = decodeGroup(data, from: start)
            position = end
            let member = object.withUnsafeBytes { Self.member(from: $0, maximumSize: maximumSize, index: index) }
            index += 1
            if !visit(member) { return }
        }
    }

    /// The member an `\objdata` group gives.
    static func member(from object: UnsafeRawBufferPointer, maximumSize: Int, index: Int) -> ArchiveMember {
        var name = ""
        var content = object
        var size = object.count
        if let (className, native) = OLEPackage.nativeData(ofObject: object) {
            name = className
            content = native
            size = native.count
            if className == "Package", let file = OLEPackage.packagedFile(native) {
                (name, content, size) = (file.name, file.content, file.size)
            }
        }
        let kept = min(content.count, maximumSize)
        return ArchiveMember(
            name: name, data: Array(content[0..<kept]), truncated: size > maximumSize,
            isEncrypted: false, size: size, index: index)
    }

    /// Where the text after the next `\word` control word at or after `position` starts.
    static func controlWord(_ word: StaticString, in data: UnsafeRawBufferPointer, from position: Int) -> Int? {
        let bytes = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        var i = position
        while i < data.count, let slash = data[i...].firstIndex(of: UInt8(ascii: "\\")) {
            let end = slash + 1 + bytes.count
            i = slash + 1
            guard end <= data.count, data[(slash + 1)..<end].elementsEqual(bytes) else { continue }
            if end < data.count, isLetter(data[end]) { continue }
            return end
        }
        return nil
    }

    /// Decodes the hexadecimal text and `\binN` data from `start` to the end of the enclosing group; returns
    /// the bytes and where the group ends.
    static func decodeGroup(_ data: UnsafeRawBufferPointer, from start: Int) -> (bytes: [UInt8], end: Int) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min((data.count - start) / 2, 1 << 24))
        var depth = 0
        var high: UInt8?
        var i = start
        while i < data.count {
            let byte = data[i]
            i += 1
            switch byte {
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth < 0 { return (bytes, i) }
            case UInt8(ascii: "\\"):
                guard i < data.count, isLetter(data[i]) else {
                    // A control symbol: `\'hh` stands for one byte of text, others are one character.
                    i += i < data.count && data[i] == UInt8(ascii: "'") ? 3 : 1
                    continue
                }
                let wordStart = i
                while i < data.count, isLetter(data[i]) { i += 1 }
                let isBin = data[wordStart..<i].elementsEqual("bin".utf8)
                var number = 0
                while i < data.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(data[i]) {
                    number = min(number * 10 + Int(data[i] - UInt8(ascii: "0")), data.count)
                    i += 1
                }
                if i < data.count, data[i] == 0x20 { i += 1 }
                if isBin {
                    let end = min(i + number, data.count)
                    bytes.append(contentsOf: data[i..<end])
                    i = end
                }
            default:
                guard let value = Hex.nibbleValue(byte) else { continue }
                if let first = high {
                    bytes.append(first << 4 | value)
                    high = nil
                } else {
                    high = value
                }
            }
        }
        return (bytes, i)
    }

    @inline(__always) static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}
