import VigilFormats
import VigilSignatures

/// Resolves signature offsets to windows of start positions for one layer.
struct OffsetResolver {
    /// The layer's size.
    var size: Int
    /// The layer's executable layout, when it is an executable whose headers parsed.
    var layout: ExecutableLayout?
    /// Whether the layer is matched as an executable (target 1, 6 or 9): if its headers did not parse,
    /// clamscan resolves no offset but `*` and absolute ones, not even `EOF-n`.
    var isExecutable: Bool

    /// The window of starts, or `nil` when the offset cannot apply to this layer; `VI` has no single window
    /// (see ``versionInfoStarts(in:)``).
    func window(_ offset: BodyOffset) -> ClosedRange<Int>? {
        guard case .at(let anchor, let delta, let shift) = offset else { return 0...Int.max }
        if isExecutable, layout == nil, anchor != .fileStart { return nil }
        var base: Int
        var extra = 0
        switch anchor {
        case .fileStart: base = 0
        case .fileEnd: base = size
        case .entryPoint, .sectionStart, .lastSectionStart:
            let relative: ExecutableLayout.RelativeOffset =
                switch anchor {
                case .entryPoint: .entryPoint(delta)
                case .sectionStart(let n): .section(n, plus: delta)
                default: .lastSection(plus: delta)
                }
            guard let start = layout?.resolve(relative), start <= size else { return nil }
            return start...(start + shift)
        case .wholeSection(let n):
            guard let extent = layout?.sectionExtent(n) else { return nil }
            base = extent.lowerBound
            extra = extent.count - 1
        case .versionInfo:
            return nil
        }
        let start = base + delta
        guard start >= 0, start <= size else { return nil }
        return start...(start + shift + extra)
    }

    /// The exact starts a `VI` offset allows in `data`, the layer's content: its version-information strings
    /// (none unless it is a PE file whose headers parsed). Read only when a `VI` signature is checked.
    func versionInfoStarts(in data: UnsafeRawBufferPointer) -> [Int] {
        guard layout?.format == .pe, let pe = PortableExecutable.parse(data) else { return [] }
        return pe.versionInfoStringOffsets(in: data)
    }
}

extension BodyOffset {
    /// Whether the offset is `VI`.
    var isVersionInfo: Bool {
        if case .at(.versionInfo, _, _) = self { return true }
        return false
    }

    /// Whether resolving the offset can depend on an executable's layout: every form but `*` and `n`
    /// (`EOF-n` too, which clamscan does not resolve in an executable whose headers fail to parse).
    var dependsOnLayout: Bool {
        guard case .at(let anchor, _, _) = self else { return false }
        return anchor != .fileStart
    }
}
