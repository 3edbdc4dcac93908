/// How a file is scanned: which target type its raw layer gets, whether it is text (normalised layer) or
/// untyped binary data (second pass for target type 14), and its executable geometry.
struct FileLayout {
    enum Kind { case typed, text, binary }

    var kind: Kind
    /// The target type of the raw layer (0: generic patterns only).
    var target: Int
    var geometry: ExecutableGeometry?

    init(_ data: UnsafeRawBufferPointer) {
        func starts(_ magic: [UInt8]) -> Bool {
            data.count >= magic.count && magic.indices.allSatisfy { data[$0] == magic[$0] }
        }
        geometry = nil
        kind = .typed
        switch true {
        case starts([0x4D, 0x5A]): target = 1
        case starts([0x7F, 0x45, 0x4C, 0x46]): target = 6
        case starts([0xCE, 0xFA, 0xED, 0xFE]), starts([0xCF, 0xFA, 0xED, 0xFE]), starts([0xFE, 0xED, 0xFA, 0xCE]),
            starts([0xFE, 0xED, 0xFA, 0xCF]):
            target = 9
        case starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]): target = 2
        case starts(Array("%PDF-".utf8)): target = 10
        default:
            target = 0
            kind = TextNormalizer.isText(data) ? .text : .binary
        }
    }
}
