import VigilFormats
import VigilSignatures

/// How clamscan scans a file of a given type, as layers: which target type each layer gets, whether it is
/// the raw content or a normalised form, and whether whole-file hashes apply; plus the executable layout
/// offsets refer to.
struct FileLayout {
    /// One pass over the content (or a normalised form of it).
    struct Layer {
        /// What a pass reads.
        enum Source: Equatable {
            /// The content as it is.
            case raw
            /// The normalised text (``TextNormalizer``).
            case text
            /// `nocomment.html` of ``HTMLNormalizer``.
            case htmlNoComment
            /// `notags.html` of ``HTMLNormalizer``.
            case htmlNoTags
            /// The normalised scripts of ``HTMLNormalizer`` (absent when the file has none).
            case javascript
        }

        /// The target type whose patterns join the generic ones.
        var target: Int
        /// What the layer reads.
        var source: Source
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
            layers = [Layer(target: 0, source: .raw, hashes: true)]
            if data.count <= Self.maximumNormalised { layers.append(Layer(target: 7, source: .text, hashes: false)) }
        case .html:
            // clamscan skips an HTML file's raw bytes and scans its normalised forms (cli_scanhtml).
            layers = Self.htmlLayers(size: data.count)
        case .htmlUTF16:
            // The raw bytes, then the forms of the text decoded to one byte a code unit (cli_scanhtml_utf16).
            layers = [Layer(target: 0, source: .raw, hashes: true)] + Self.htmlLayers(size: data.count / 2)
        case .binaryData:
            layers = [Layer(target: 0, source: .raw, hashes: true), Layer(target: 14, source: .raw, hashes: true)]
        default:
            layers = [Layer(target: target, source: .raw, hashes: true)]
        }
        if parseExecutable, TargetType.executables.contains(target), type != .machOUniversal {
            executable = ExecutableLayout.parse(data)
        }
    }

    /// clamscan's passes over normalised HTML of `size` bytes: `nocomment.html`, `notags.html` (up to
    /// `MaxHTMLNoTags`), then the scripts twice, as HTML and as text; none above `MaxHTMLNormalize`. Each is
    /// scanned as a file of its own, whole-file hashes included (checked with clamscan 1.4.6).
    static func htmlLayers(size: Int) -> [Layer] {
        guard size <= HTMLNormalizer.maximumSize else { return [] }
        var layers = [Layer(target: 3, source: .htmlNoComment, hashes: true)]
        if size <= HTMLNormalizer.maximumNoTagsSize {
            layers.append(Layer(target: 3, source: .htmlNoTags, hashes: true))
        }
        layers.append(Layer(target: 3, source: .javascript, hashes: true))
        layers.append(Layer(target: 7, source: .javascript, hashes: true))
        return layers
    }
}
