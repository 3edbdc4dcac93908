import VigilSignatures

extension Engine {
    /// Compiles a signature set into an engine image (the bytes of a `.vdb`, docs/VDB.md); with `builtins`,
    /// adds ``BuiltinSignatures``. Returns the image and the signatures that could not be compiled, each with
    /// the reason; `provenance` lines are kept for `vigil db info`.
    public static func compile(_ signatures: SignatureSet, builtins: Bool, provenance: [String])
        -> (image: ImageStorage, skipped: [String])
    {
        var writer = ImageWriter()
        var names = NameTable.Builder()
        var sources = SignatureSources.Builder()
        var counts = SignatureCounts()
        var provenanceLines = NameTable.Builder()
        provenanceLines.append(contentsOf: provenance)

        var all = signatures.hashes
        if builtins { all += BuiltinSignatures.hashes }
        var hashImage = ImageWriter()
        HashIndex.write(all, firstName: 0, to: &hashImage)
        for s in all { names.append(s.name) }
        HashIndex.write(signatures.allowed, firstName: 0, to: &hashImage)
        HashIndex.write(signatures.sectionHashes, firstName: names.count, to: &hashImage)
        for s in signatures.sectionHashes { names.append(s.name) }
        HashIndex.write(signatures.importHashes, firstName: names.count, to: &hashImage)
        for s in signatures.importHashes { names.append(s.name) }

        var patterns: [CompiledBody] = []
        for signature in signatures.bodies {
            patterns.append(CompiledBody(signature.pattern, owner: signature.owner(name: names.count),
                target: signature.target, offset: signature.offset))
            sources.addBody(signature.source, name: names.count)
            names.append(signature.name)
        }
        var alwaysEvaluated = Array(repeating: [UInt32](), count: TargetType.highest + 1)
        var skipped: [String] = []
        var slots = 0
        var logicals: [CompiledLogical] = []
        for signature in signatures.logicals {
            let logical: CompiledLogical
            do throws(RegexError) {
                logical = try CompiledLogical(signature, name: names.count, firstSlot: slots)
            } catch {
                skipped.append("\(signature.name): PCRE: \(error.message); signature skipped")
                continue
            }
            names.append(signature.name)
            let owned = SignatureSources.patterns(of: signature, logical: logical)
            patterns += owned
            sources.addLogical(signature.source, logical, subsignatures: signature.subsignatures.count,
                patterns: owned.count)
            slots += signature.subsignatures.count
            if logical.holdsWithoutMatches { alwaysEvaluated[logical.target].append(UInt32(logicals.count)) }
            logicals.append(logical)
        }
        var containerSignatures = ContainerSignatureSources.Builder()
        for signature in signatures.containerMetadata {
            if let type = signature.containerType, !CompiledContainerSignature.knownTypes.contains(type) {
                skipped.append("\(signature.name): unknown container type \(type); signature skipped")
                continue
            }
            do throws(RegexError) {
                _ = try CompiledContainerSignature(signature, name: 0)
            } catch {
                skipped.append("\(signature.name): name regex: \(error.message); signature skipped")
                continue
            }
            containerSignatures.add(signature, name: names.count)
            names.append(signature.name)
            counts.containers += 1
        }
        let usesExecutableLayout =
            patterns.contains { $0.offset.dependsOnLayout }
            || logicals.contains {
                $0.description.entryPoint != nil || $0.description.numberOfSections != nil
                    || $0.expressions.contains { $0.pcre.offset.dependsOnLayout }
            }
        for s in all {
            switch s.algorithm {
            case .md5: counts.md5 += 1
            case .sha1: counts.sha1 += 1
            case .sha256: counts.sha256 += 1
            }
        }
        counts.sections = signatures.sectionHashes.count
        counts.imports = signatures.importHashes.count
        counts.allowed = signatures.allowed.count
        counts.bodies = signatures.bodies.count
        counts.logicals = logicals.count
        let signatureCount = all.count + counts.sections + counts.imports + counts.bodies + counts.logicals
            + counts.containers + (builtins ? 1 : 0)

        provenanceLines.write(to: &writer, pool: "PROV", ends: "PRVE")
        writer.put("CNTS", counts.values.map { Int64($0) })
        writer.put("SCNT", signatureCount)
        writer.put("EICR", builtins)
        writer.put("EXEC", usesExecutableLayout)
        names.write(to: &writer, pool: "NAMP", ends: "NAME")
        writer.append(hashImage)
        BodyMatcher.write(patterns, to: &writer)
        sources.write(to: &writer)
        for list in alwaysEvaluated { writer.put("ALWS", list) }
        containerSignatures.write(to: &writer)
        return (writer.finish(signatureCount: signatureCount), skipped)
    }
}
