import VigilSignatures

/// The layout of an executable that offsets refer to: the entry point and the sections, as file offsets.
public struct ExecutableGeometry: Sendable, Equatable {
    /// A section's extent in the file.
    public struct Section: Sendable, Equatable {
        /// The file offset of the section's data.
        public var offset: Int
        /// The number of bytes of the section in the file.
        public var size: Int
        /// Creates a section.
        public init(offset: Int, size: Int) {
            self.offset = offset
            self.size = size
        }
    }

    /// The entry point as a file offset, if it maps into the file.
    public var entryPoint: Int?
    /// The sections in header order.
    public var sections: [Section]

    /// Creates a geometry.
    public init(entryPoint: Int?, sections: [Section]) {
        self.entryPoint = entryPoint
        self.sections = sections
    }
}

/// Resolves signature offsets to windows of start positions for one layer.
struct OffsetResolver {
    /// The layer's size.
    var size: Int
    /// The layer's executable layout, when it is an executable whose headers parsed.
    var geometry: ExecutableGeometry?
    /// Whether the layer is matched as an executable (target 1, 6 or 9): if its headers did not parse,
    /// clamscan resolves no offset but `*` and absolute ones, not even `EOF-n`.
    var isExecutable: Bool

    /// The window of starts, or `nil` when the offset cannot apply to this layer.
    func window(_ offset: BodyOffset) -> ClosedRange<Int>? {
        guard case .at(let anchor, let delta, let shift) = offset else { return 0...Int.max }
        if isExecutable, geometry == nil, anchor != .fileStart { return nil }
        var base: Int
        var extra = 0
        switch anchor {
        case .fileStart: base = 0
        case .fileEnd: base = size
        case .entryPoint:
            guard let ep = geometry?.entryPoint else { return nil }
            base = ep
        case .sectionStart(let n):
            guard let sections = geometry?.sections, n < sections.count else { return nil }
            base = sections[n].offset
        case .lastSectionStart:
            guard let last = geometry?.sections.last else { return nil }
            base = last.offset
        case .wholeSection(let n):
            guard let sections = geometry?.sections, n < sections.count else { return nil }
            base = sections[n].offset
            extra = sections[n].size
        }
        let start = base + delta
        guard start >= 0, start <= size else { return nil }
        return start...(start + shift + extra)
    }
}
