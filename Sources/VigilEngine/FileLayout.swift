import VigilFormats
import VigilSignatures

/// How clamscan scans a file of a given type, as layers: which target type each layer gets, whether it is
/// the raw content or normalised text, and whether whole-file hashes apply; plus the executable layout
/// offsets refer to.
struct FileLayout {
    /// One pass over the content (or its normalised text).
    struct Layer {
        /// The target type whose patterns join the generic ones.
        var target: Int
        /// Whether the layer is the normalised text rather than the raw bytes.
        var normalised: Bool
        /// Whether whole-file hashes are checked on this layer.
        var hashes: Bool
    }

    /// clamscan's `MaxScriptNormalize` default: larger text is not normalised.
    static let maximumNormalised = 5 << 20

    var type: FileType
    var layers: [Layer]
    /// The entry point and sections, parsed only when `parseExecutable` and the file is matched as one.
    var executable: ExecutableLayout?

    init(_ data: UnsafeRawBufferPointer, parseExecutable: Bool) {
        type = FileType.detect(data)
        executable = nil
        let target = type.target ?? 0
        switch type {
        case .ignored:
            layers = []  // types clamscan does not scan at all (MP3, Ogg, SQLite, ...)
        case .textASCII, .textUTF8, .textUTF16LE, .textUTF16BE:
            layers = [Layer(target: 0, normalised: false, hashes: true)]
            if data.count <= Self.maximumNormalised { layers.append(Layer(target: 7, normalised: true, hashes: false)) }
        case .html:
            // clamscan skips an HTML file's raw bytes and scans its normalised forms with target 3.
            layers = [Layer(target: 3, normalised: true, hashes: false)]
        case .htmlUTF16:
            layers = [Layer(target: 0, normalised: false, hashes: true), Layer(target: 3, normalised: true, hashes: false)]
        case .binaryData:
            layers = [Layer(target: 0, normalised: false, hashes: true), Layer(target: 14, normalised: false, hashes: true)]
        default:
            layers = [Layer(target: target, normalised: false, hashes: true)]
        }
        if parseExecutable, TargetType.executables.contains(target), type != .machOUniversal {
            executable = ExecutableLayout.parse(data)
        }
    }
}
