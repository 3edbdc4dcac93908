import VigilSignatures

/// A PCRE subsignature ready to run: once per layer, when its trigger holds, over the whole layer.
struct CompiledPCRE: Sendable {
    /// The subsignature's index in its logical signature.
    var index: Int
    /// The parsed subsignature.
    var pcre: PCRESubsignature
    /// The compiled pattern.
    var program: RegexProgram

    /// Runs the pattern if the trigger holds and counts its matches by their start (one without `g`; with
    /// `g` every non-overlapping one), under clamscan's offset rules: an exact offset anchors the match
    /// unless `r`; a shift bounds where a match may start, or with `e` where it must lie entirely.
    func run(on verifier: PartVerifier, offsets: OffsetResolver, slot: Int, state: inout BodyScanState) {
        let base = slot - index
        guard pcre.trigger.evaluate({ state.count(base + $0) }).holds else { return }
        let data = verifier.data
        var from = 0, end = data.count, latestStart = Int.max
        var anchored = pcre.anchored
        if case .at(_, _, let shift) = pcre.offset {
            guard let window = offsets.window(pcre.offset), window.lowerBound < data.count else { return }
            from = window.lowerBound
            if shift == 0 {
                anchored = anchored || !pcre.rolling
            } else if pcre.encompass {
                end = min(data.count, window.upperBound)
            } else {
                latestStart = window.upperBound
            }
        }
        let subject = UnsafeRawBufferPointer(rebasing: data[from..<end])
        var position = 0
        while position <= subject.count, let match = program.firstMatch(in: subject, from: position, anchored: anchored) {
            guard from + match.start <= latestStart else { return }
            state.countMatch(slot, at: from + match.start)
            guard pcre.global else { return }
            position = match.end > match.start ? match.end : match.end + 1
        }
    }
}
