/// The state of one LZX stream being decoded, which a caller reads on from in pieces (CHM files are slices of
/// one stream): libmspack's `lzxd_stream`. A failure poisons it, as in libmspack: every later call throws again.
final class LZXDecoder {
    /// The output of a frame, after which the bitstream re-aligns (and E8 translation works frame by frame).
    static let frameSize = 32768
    /// Block type: literals and matches with Huffman-coded trees.
    static let verbatim = 1
    /// Block type: as verbatim, the low 3 bits of long offsets coded with the aligned-offset tree.
    static let aligned = 2
    /// Block type: stored bytes after the repeated offsets.
    static let uncompressed = 3
    /// The main tree's symbols as libmspack sizes it (for LZX DELTA's 290 position slots): length runs that
    /// overshoot the coded symbols land in the spare ones, which then take part in the code.
    static let mainSymbols = 256 + 290 * 8
    /// The length tree's symbols (249 footers, plus one libmspack sizes in).
    static let lengthSymbols = 250
    /// Room for a run of code lengths to overshoot its last symbol (libmspack's `LZX_LENTABLE_SAFETY`).
    static let lengthSlack = 64
    /// The verbatim bits of each position slot below 36 (17 from there).
    static let extraBits: [Int] = [0, 0, 0, 0] + (1...16).flatMap { [$0, $0] }

    /// The bytes handed out so far.
    private(set) var offset = 0
    /// How many more bytes may be decoded before ``decompress(_:_:)`` stops with `outputLimitExceeded`.
    var budget: Int

    private var bits: LZXBitReader
    private let windowSize: Int
    private let resetInterval: Int
    /// The stream's length, or 0 if not known (every frame then 32 KiB).
    private let length: Int
    /// 256 literals plus 8 match headers for each position slot of the window.
    private let codedMainSymbols: Int
    private let window: UnsafeMutablePointer<UInt8>
    private let translated: UnsafeMutablePointer<UInt8>
    private var windowPosition = 0
    private var framePosition = 0
    private var frame = 0
    private var r0: UInt32 = 1
    private var r1: UInt32 = 1
    private var r2: UInt32 = 1
    private var headerRead = false
    private var blockType = 0
    private var blockLength = 0
    private var blockRemaining = 0
    private var intelFileSize: Int32 = 0
    private var intelStarted = false
    private var mainLengths = [UInt8](repeating: 0, count: mainSymbols + lengthSlack)
    private var lengthLengths = [UInt8](repeating: 0, count: lengthSymbols + lengthSlack)
    private var alignedLengths = [UInt8](repeating: 0, count: 8)
    private var pretreeLengths = [UInt8](repeating: 0, count: 20)
    private var mainCode = LZXCode(tableBits: 12)
    private var lengthCode = LZXCode(tableBits: 12)
    private var alignedCode = LZXCode(tableBits: 7)
    private var pretreeCode = LZXCode(tableBits: 6)
    /// The decoded frame not yet handed out: in the translation buffer, or in the window.
    private var pendingTranslated = false
    private var pendingStart = 0
    private var pendingEnd = 0
    private var failure: DecompressionError?

    /// A decoder of the stream at the start of `input` (which must outlive it) of `length` bytes (0 if not
    /// known), that decodes at most `budget` bytes; `repeatsTail` reads past the end as clamscan does in CHM
    /// files (``LZXBitReader``).
    init(
        _ input: UnsafeRawBufferPointer, windowBits: Int, resetInterval: Int, length: Int, budget: Int,
        repeatsTail: Bool = false
    ) throws(DecompressionError) {
        guard (15...21).contains(windowBits) else {
            throw DecompressionError(.corrupt, "LZX window of 2^\(windowBits) bytes (2^15 to 2^21 are valid)")
        }
        guard resetInterval >= 0, length >= 0 else {
            throw DecompressionError(.corrupt, "negative LZX reset interval or length")
        }
        bits = LZXBitReader(input, repeatsTail: repeatsTail)
        windowSize = 1 << windowBits
        self.resetInterval = resetInterval
        self.length = length
        self.budget = budget
        let positionSlots = [30, 32, 34, 36, 38, 42, 50][windowBits - 15]
        codedMainSymbols = 256 + positionSlots * 8
        window = .allocate(capacity: windowSize)
        window.initialize(repeating: 0, count: windowSize)
        translated = .allocate(capacity: Self.frameSize)
        translated.initialize(repeating: 0, count: Self.frameSize)
    }

    deinit {
        window.deallocate()
        translated.deallocate()
    }

    /// The input bytes consumed so far.
    var inputPosition: Int { bits.position }

    /// Decodes the next `count` bytes and hands them to `sink` in pieces of at most a frame.
    func decompress(_ count: Int, _ sink: (UnsafeBufferPointer<UInt8>) -> Void) throws(DecompressionError) {
        if let failure { throw failure }
        guard count >= 0 else { throw DecompressionError(.corrupt, "negative LZX output request") }
        var wanted = count
        handOut(&wanted, sink)
        guard wanted > 0 else { return }
        do {
            try decodeFrames(&wanted, sink)
        } catch {
            failure = error
            throw error
        }
    }

    /// Hands out what is left of the last frame, up to `wanted` bytes.
    private func handOut(_ wanted: inout Int, _ sink: (UnsafeBufferPointer<UInt8>) -> Void) {
        let count = min(wanted, pendingEnd - pendingStart)
        guard count > 0 else { return }
        let source = pendingTranslated ? translated : window
        sink(UnsafeBufferPointer(start: source + pendingStart, count: count))
        pendingStart += count
        offset += count
        wanted -= count
    }

    private func decodeFrames(_ wanted: inout Int, _ sink: (UnsafeBufferPointer<UInt8>) -> Void)
        throws(DecompressionError)
    {
        // libmspack decodes up to the frame holding the last byte wanted, plus one when that byte ends a frame.
        let (target, overflow) = offset.addingReportingOverflow(wanted)
        let endFrame = (overflow ? Int.max : target) / Self.frameSize + 1
        while frame < endFrame {
            if resetInterval > 0, frame % resetInterval == 0 { resetState() }
            if !headerRead {
                intelFileSize = 0
                if try bits.read(1) == 1 {
                    let high = try bits.read(16)
                    let low = try bits.read(16)
                    intelFileSize = Int32(truncatingIfNeeded: high << 16 | low)
                }
                headerRead = true
            }
            var frameSize = Self.frameSize
            if length != 0, length - offset < frameSize { frameSize = length - offset }
            // At the end of the stream libmspack goes on with empty frames, which give nothing.
            guard frameSize > 0 else { break }
            guard budget >= frameSize else {
                throw DecompressionError(.outputLimitExceeded, "LZX output exceeds the decoding limit")
            }
            budget -= frameSize
            try decodeFrame(frameSize)
            try bits.alignToWord()
            guard pendingStart == pendingEnd else {
                throw DecompressionError(.corrupt, "LZX frame decoded before the last one was used")
            }
            if intelStarted, intelFileSize != 0, frame < 32768, frameSize > 10 {
                translateCalls(frameSize)
                (pendingTranslated, pendingStart, pendingEnd) = (true, 0, frameSize)
            } else {
                (pendingTranslated, pendingStart, pendingEnd) = (false, framePosition, framePosition + frameSize)
            }
            handOut(&wanted, sink)
            framePosition += frameSize
            frame += 1
            if windowPosition == windowSize { windowPosition = 0 }
            if framePosition == windowSize { framePosition = 0 }
        }
        guard wanted == 0 else {
            throw DecompressionError(.corrupt, "the LZX stream ends \(wanted) bytes before the output wanted")
        }
    }

    /// Decodes blocks until the window holds the next frame of `frameSize` bytes.
    private func decodeFrame(_ frameSize: Int) throws(DecompressionError) {
        var todo = framePosition + frameSize - windowPosition
        while todo > 0 {
            if blockRemaining == 0 { try readBlockHeader() }
            var run = min(blockRemaining, todo)
            todo -= run
            blockRemaining -= run
            if blockType == Self.uncompressed {
                // A frame never wraps the window (a whole number of frames), so neither does this run.
                try bits.copyBytes(run, to: window + windowPosition)
                windowPosition += run
            } else {
                run = try decodeSymbols(run)
                if run < 0 {
                    guard -run <= blockRemaining else {
                        throw DecompressionError(.corrupt, "LZX match runs past the end of its block")
                    }
                    blockRemaining += run
                }
            }
        }
        guard windowPosition - framePosition == frameSize else {
            throw DecompressionError(.corrupt, "LZX match runs past the end of a frame")
        }
    }

    /// Decodes literals and matches of a verbatim or aligned block for `run` bytes; returns `run` less what was
    /// decoded (below 0 when the last match went beyond).
    private func decodeSymbols(_ run: Int) throws(DecompressionError) -> Int {
        var run = run
        while run > 0 {
            let main = try bits.decode(mainCode, "main tree")
            if main < 256 {
                guard windowPosition < windowSize else {
                    throw DecompressionError(.corrupt, "LZX literal past the end of the window")
                }
                window[windowPosition] = UInt8(truncatingIfNeeded: main)
                windowPosition += 1
                run -= 1
                continue
            }
            let element = main - 256
            var matchLength = element & 7
            if matchLength == 7 { matchLength += try bits.decode(lengthCode, "length tree") }
            matchLength += 2
            let matchOffset = try self.matchOffset(slot: element >> 3)
            guard windowPosition + matchLength <= windowSize else {
                throw DecompressionError(.corrupt, "LZX match runs past the end of the window")
            }
            try copyMatch(offset: Int(matchOffset), length: matchLength)
            run -= matchLength
            windowPosition += matchLength
        }
        return run
    }

    /// A match's offset from its position slot: a repeated offset, or a base plus verbatim (and, in aligned
    /// blocks, aligned-tree) bits; updates the repeated offsets R0 to R2.
    @inline(__always)
    private func matchOffset(slot: Int) throws(DecompressionError) -> UInt32 {
        switch slot {
        case 0: return r0
        case 1:
            (r0, r1) = (r1, r0)
            return r0
        case 2:
            (r0, r2) = (r2, r0)
            return r0
        default:
            let extra = slot >= 36 ? 17 : Self.extraBits[slot]
            var offset = Self.positionBase(slot) &- 2
            if extra >= 3, blockType == Self.aligned {
                if extra > 3 { offset &+= UInt32(try bits.read(extra - 3)) << 3 }
                offset &+= UInt32(try bits.decode(alignedCode, "aligned tree"))
            } else if extra > 0 {
                offset &+= UInt32(try bits.read(extra))
            }
            (r0, r1, r2) = (offset, r0, r1)
            return offset
        }
    }

    /// Copies `length` bytes from `offset` back to the window's current position, byte by byte (a match may
    /// overlap itself), wrapping around the window's start.
    @inline(__always)
    private func copyMatch(offset matchOffset: Int, length: Int) throws(DecompressionError) {
        var destination = windowPosition
        var remaining = length
        var source: Int
        if matchOffset > windowPosition {
            guard matchOffset <= offset else {
                throw DecompressionError(.corrupt, "LZX match offset \(matchOffset) before the start of the stream")
            }
            let beforeEnd = matchOffset - windowPosition
            guard beforeEnd <= windowSize else {
                throw DecompressionError(.corrupt, "LZX match offset \(matchOffset) beyond the window")
            }
            source = windowSize - beforeEnd
            if beforeEnd < remaining {
                for _ in 0..<beforeEnd {
                    window[destination] = window[source]
                    destination += 1
                    source += 1
                }
                remaining -= beforeEnd
                source = 0
            }
        } else {
            source = windowPosition - matchOffset
        }
        for _ in 0..<remaining {
            window[destination] = window[source]
            destination += 1
            source += 1
        }
    }

    /// Reads a block's type, length and trees (or stored repeated offsets).
    private func readBlockHeader() throws(DecompressionError) {
        if blockType == Self.uncompressed, blockLength & 1 == 1 { _ = try bits.nextByte() }
        blockType = try bits.read(3)
        let high = try bits.read(16)
        blockLength = high << 8 | (try bits.read(8))
        blockRemaining = blockLength
        switch blockType {
        case Self.aligned, Self.verbatim:
            if blockType == Self.aligned {
                for index in 0..<8 { alignedLengths[index] = UInt8(try bits.read(3)) }
                guard alignedCode.build(alignedLengths[...]) else { throw badTree("aligned") }
            }
            try readLengths(&mainLengths, 0, 256)
            try readLengths(&mainLengths, 256, codedMainSymbols)
            guard mainCode.build(mainLengths[0..<Self.mainSymbols]) else { throw badTree("main") }
            if mainLengths[0xE8] != 0 { intelStarted = true }
            try readLengths(&lengthLengths, 0, Self.lengthSymbols - 1)
            guard lengthCode.build(lengthLengths[0..<Self.lengthSymbols], allowEmpty: true) else {
                throw badTree("length")
            }
        case Self.uncompressed:
            intelStarted = true
            try bits.alignForUncompressedBlock()
            var stored = [UInt32](repeating: 0, count: 3)
            for index in 0..<12 { stored[index / 4] |= UInt32(try bits.nextByte()) << UInt32(8 * (index % 4)) }
            (r0, r1, r2) = (stored[0], stored[1], stored[2])
        default:
            throw DecompressionError(.corrupt, "LZX block type \(blockType) near input byte \(bits.position)")
        }
    }

    /// Reads the code lengths of symbols `first..<last` as deltas from their previous lengths, coded with a
    /// pretree of 20 symbols (17 and 18: runs of zeros, 19: a run of one delta).
    private func readLengths(_ lengths: inout [UInt8], _ first: Int, _ last: Int) throws(DecompressionError) {
        for index in 0..<20 { pretreeLengths[index] = UInt8(try bits.read(4)) }
        guard pretreeCode.build(pretreeLengths[...]) else { throw badTree("pretree") }
        var index = first
        while index < last {
            let code = try bits.decode(pretreeCode, "pretree")
            switch code {
            case 17, 18:
                let run = code == 17 ? try bits.read(4) + 4 : try bits.read(5) + 20
                for _ in 0..<run {
                    lengths[index] = 0
                    index += 1
                }
            case 19:
                let run = try bits.read(1) + 4
                let delta = try bits.decode(pretreeCode, "pretree")
                let length = Self.applyDelta(delta, to: lengths[index])
                for _ in 0..<run {
                    lengths[index] = length
                    index += 1
                }
            default:
                lengths[index] = Self.applyDelta(code, to: lengths[index])
                index += 1
            }
        }
    }

    /// A length less `delta` modulo 17, stored in a byte as libmspack stores it (a delta of 17 to 19 after code
    /// 19 leaves a length over 16, which no code uses).
    private static func applyDelta(_ delta: Int, to length: UInt8) -> UInt8 {
        var value = Int(length) - delta
        if value < 0 { value += 17 }
        return UInt8(truncatingIfNeeded: value)
    }

    /// Starts a reset interval: repeated offsets 1, trees from zero lengths, the E8 header to read again.
    private func resetState() {
        (r0, r1, r2) = (1, 1, 1)
        headerRead = false
        blockRemaining = 0
        blockType = 0
        for index in 0..<Self.mainSymbols { mainLengths[index] = 0 }
        for index in 0..<Self.lengthSymbols { lengthLengths[index] = 0 }
    }

    /// Undoes the encoder's E8 translation in a copy of the frame: a 32-bit absolute call target after each 0xE8
    /// byte (outside the last 10 bytes) within the file size becomes relative to its position again.
    private func translateCalls(_ frameSize: Int) {
        translated.update(from: window + framePosition, count: frameSize)
        var position = Int32(truncatingIfNeeded: offset)
        var index = 0
        while index < frameSize - 10 {
            guard translated[index] == 0xE8 else {
                index += 1
                position &+= 1
                continue
            }
            index += 1
            var absolute: Int32 = 0
            for byte in 0..<4 { absolute |= Int32(translated[index + byte]) << Int32(8 * byte) }
            if absolute >= 0 &- position, absolute < intelFileSize {
                let relative = absolute >= 0 ? absolute &- position : absolute &+ intelFileSize
                for byte in 0..<4 { translated[index + byte] = UInt8(truncatingIfNeeded: relative >> Int32(8 * byte)) }
            }
            index += 4
            position &+= 5
        }
    }

    private func badTree(_ what: String) -> DecompressionError {
        DecompressionError(.corrupt, "invalid LZX \(what) tree near input byte \(bits.position)")
    }

    /// The first formatted offset of a position slot: 0, 1, 2, 3, 4, 6, 8, 12, …, then steps of 2^17 from
    /// slot 36.
    static func positionBase(_ slot: Int) -> UInt32 {
        if slot >= 36 { return UInt32(262_144 + (slot - 36) * 131_072) }
        return positionBases[slot]
    }

    private static let positionBases: [UInt32] = {
        var bases: [UInt32] = [0]
        for slot in 1..<36 { bases.append(bases[slot - 1] + UInt32(1) << UInt32(extraBits[slot - 1])) }
        return bases
    }()
}
