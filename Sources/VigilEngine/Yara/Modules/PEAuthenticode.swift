import Crypto

/// Authenticode signatures: the PKCS#7 `SignedData` in the first `WIN_CERTIFICATE` of the security directory and
/// its nested signatures, read as libyara's authenticode-parser reads them (certificates, signer chain, digests).
extension PEModule {
    /// One DER element: its tag, and where its contents and the whole element lie.
    struct DER {
        var tag: UInt8
        var contents: Range<Int>
        var whole: Range<Int>
    }

    /// A bounded DER reader over `bytes`.
    struct DERReader {
        let bytes: [UInt8]

        /// The element starting at `at`, if it lies inside `limit`.
        func element(at: Int, limit: Int) -> DER? {
            guard at + 2 <= limit, limit <= bytes.count else { return nil }
            let tag = bytes[at]
            var length = Int(bytes[at + 1])
            var start = at + 2
            if length & 0x80 != 0 {
                let count = length & 0x7F
                guard count >= 1, count <= 4, start + count <= limit else { return nil }
                length = 0
                for i in 0..<count { length = length << 8 | Int(bytes[start + i]) }
                start += count
            }
            guard length <= limit - start else { return nil }
            return DER(tag: tag, contents: start..<(start + length), whole: at..<(start + length))
        }
        /// The children of a constructed element (at most 4096).
        func children(_ e: DER) -> [DER] {
            var out: [DER] = []
            var at = e.contents.lowerBound
            while at < e.contents.upperBound, out.count < 4096,
                let child = element(at: at, limit: e.contents.upperBound)
            {
                out.append(child)
                at = child.whole.upperBound
            }
            return out
        }
        func slice(_ r: Range<Int>) -> [UInt8] { Array(bytes[r]) }
    }

    /// Dotted text of an OID's contents.
    static func oid(_ bytes: ArraySlice<UInt8>) -> String {
        guard let first = bytes.first else { return "" }
        var parts: [String] = []
        var value: UInt64 = 0
        var start = true
        for b in bytes {
            value = value << 7 | UInt64(b & 0x7F)
            if b & 0x80 == 0 {
                if start {
                    parts += value < 80 ? ["\(value / 40)", "\(value % 40)"] : ["2", "\(value - 80)"]
                    start = false
                } else {
                    parts.append("\(value)")
                }
                value = 0
            }
        }
        _ = first
        return parts.joined(separator: ".")
    }

    /// OpenSSL's short names for name attributes.
    static let nameKeys: [String: String] = [
        "2.5.4.6": "C", "2.5.4.8": "ST", "2.5.4.7": "L", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.3": "CN",
        "1.2.840.113549.1.9.1": "emailAddress", "2.5.4.5": "serialNumber", "2.5.4.9": "street",
        "0.9.2342.19200300.100.1.25": "DC", "2.5.4.12": "title", "2.5.4.4": "SN", "2.5.4.42": "GN",
        "2.5.4.43": "initials", "2.5.4.65": "pseudonym", "2.5.4.44": "generationQualifier", "2.5.4.46": "dnQualifier",
        "2.5.4.15": "businessCategory", "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC",
        "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST", "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionL",
        "2.5.4.17": "postalCode", "0.9.2342.19200300.100.1.1": "UID", "2.5.4.97": "organizationIdentifier",
    ]
    /// OpenSSL's long names for signature and digest algorithms.
    static let algorithmNames: [String: String] = [
        "1.2.840.113549.1.1.5": "sha1WithRSAEncryption", "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12": "sha384WithRSAEncryption", "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14": "sha224WithRSAEncryption", "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
        "1.2.840.113549.1.1.10": "rsassaPss", "1.2.840.113549.1.1.1": "rsaEncryption",
        "1.2.840.10045.4.3.2": "ecdsa-with-SHA256", "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4": "ecdsa-with-SHA512", "1.2.840.10045.4.1": "ecdsa-with-SHA1",
        "1.2.840.10040.4.3": "dsaWithSHA1", "1.3.14.3.2.26": "sha1", "2.16.840.1.101.3.4.2.1": "sha256",
        "2.16.840.1.101.3.4.2.2": "sha384", "2.16.840.1.101.3.4.2.3": "sha512", "1.2.840.113549.2.5": "md5",
        "2.16.840.1.101.3.4.2.4": "sha224",
    ]

    /// `X509_NAME_oneline`: `/KEY=value` per attribute, non-printable bytes as `\xHH`.
    static func oneline(_ r: DERReader, _ name: DER) -> [UInt8] {
        var out: [UInt8] = []
        for rdn in r.children(name) {
            for attribute in r.children(rdn) {
                let parts = r.children(attribute)
                guard parts.count == 2, parts[0].tag == 0x06 else { continue }
                let key = oid(r.bytes[parts[0].contents])
                out += Array(("/" + (nameKeys[key] ?? key) + "=").utf8)
                var value = Array(r.bytes[parts[1].contents])
                if parts[1].tag == 0x1E, value.count % 2 == 0,
                    stride(from: 0, to: value.count, by: 2).allSatisfy({ value[$0] == 0 })
                {
                    value = stride(from: 1, to: value.count, by: 2).map { value[$0] }
                }
                for c in value {
                    if c < 0x20 || c > 0x7E {
                        let hex = Array("0123456789ABCDEF".utf8)
                        out += [0x5C, 0x78, hex[Int(c >> 4)], hex[Int(c & 15)]]
                    } else {
                        out.append(c)
                    }
                }
            }
        }
        return Array(out.prefix(255))
    }

    /// Seconds since 1970 of a UTCTime or GeneralizedTime (`ASN1_TIME_to_time_t`).
    static func time(_ r: DERReader, _ e: DER) -> Int64? {
        let s = Array(r.bytes[e.contents])
        let digits = s.prefix { (0x30...0x39).contains($0) }.map { Int64($0 - 0x30) }
        var i = 0
        func take(_ n: Int) -> Int64? {
            guard i + n <= digits.count else { return nil }
            defer { i += n }
            return digits[i..<(i + n)].reduce(0) { $0 * 10 + $1 }
        }
        guard var year = e.tag == 0x17 ? take(2) : e.tag == 0x18 ? take(4) : nil else { return nil }
        if e.tag == 0x17 { year += year < 50 ? 2000 : 1900 }
        guard let month = take(2), let day = take(2), let hour = take(2), let minute = take(2) else { return nil }
        let second = take(2) ?? 0
        // Days from civil (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return ((days * 24 + hour) * 60 + minute) * 60 + second
    }

    /// A certificate's fields, with its issuer and serial for chain building.
    struct Certificate {
        var fields: [String: YaraObject]
        var issuer: [UInt8]
        var subject: [UInt8]
        var serial: [UInt8]
    }

    static func certificate(_ r: DERReader, _ cert: DER) -> Certificate? {
        let parts = r.children(cert)
        guard parts.count >= 2 else { return nil }
        var tbs = r.children(parts[0])
        var version: Int64 = 0
        if let first = tbs.first, first.tag == 0xA0 {
            if let v = r.children(first).first { version = r.bytes[v.contents].reduce(0) { $0 << 8 | Int64($1) } }
            tbs.removeFirst()
        }
        guard tbs.count >= 5 else { return nil }
        let hex = Array("0123456789abcdef".utf8)
        var fields: [String: YaraObject] = [:]
        let sha1 = Insecure.SHA1.hash(data: r.bytes[cert.whole])
        fields["thumbprint"] = .text(sha1.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] })
        let issuer = oneline(r, tbs[2])
        let subject = oneline(r, tbs[4])
        fields["issuer"] = .text(issuer)
        fields["subject"] = .text(subject)
        fields["version"] = .integer(version + 1)
        let serial = r.slice(tbs[0].contents)
        if tbs[0].whole.count <= 22 && tbs[0].whole.count >= 2 && !serial.isEmpty {
            var text: [UInt8] = []
            for (i, b) in serial.enumerated() { text += (i == 0 ? [] : [0x3A]) + [hex[Int(b >> 4)], hex[Int(b & 15)]] }
            fields["serial"] = .text(text)
        }
        let validity = r.children(tbs[3])
        if validity.count == 2 {
            if let t = time(r, validity[0]) { fields["not_before"] = .integer(t) }
            if let t = time(r, validity[1]) { fields["not_after"] = .integer(t) }
        }
        if let algorithm = r.children(parts[1]).first, algorithm.tag == 0x06 {
            let dotted = oid(r.bytes[algorithm.contents])
            fields["algorithm_oid"] = .text(Array(dotted.utf8))
            fields["algorithm"] = .text(Array((algorithmNames[dotted] ?? dotted).utf8))
        }
        return Certificate(fields: fields, issuer: issuer, subject: subject, serial: serial)
    }

    /// The signatures in one PKCS#7 blob, the outer one first, then nested ones (at most 16 levels deep).
    static func authenticode(_ r: DERReader, _ blob: DER, depth: Int, into out: inout [[String: YaraObject]]) {
        var signature: [String: YaraObject] = [:]
        let index = out.count
        out.append(signature)
        defer { out[index] = signature }
        let info = r.children(blob)
        guard info.count >= 2, info[0].tag == 0x06, oid(r.bytes[info[0].contents]) == "1.2.840.113549.1.7.2",
            let signed = r.children(info[1]).first
        else { return }
        let parts = r.children(signed)
        guard parts.count >= 4 else { return }
        var certificates: [Certificate] = []
        var signerInfos: DER?
        for p in parts.dropFirst(3) {
            if p.tag == 0xA0 {
                certificates = r.children(p).prefix(256).compactMap { certificate(r, $0) }
            } else if p.tag == 0x31 {
                signerInfos = p
            }
        }
        signature["number_of_certificates"] = .integer(Int64(certificates.count))
        signature["certificates"] = .array(certificates.map { .structure($0.fields) })
        signature["verified"] = .integer(0)
        // contentInfo: SpcIndirectDataContent { data, DigestInfo { algorithm, digest } }
        let content = r.children(parts[2])
        guard content.count >= 2, let indirect = r.children(content[1]).first else { return }
        let spc = r.children(indirect)
        guard spc.count >= 2 else { return }
        let digestInfo = r.children(spc[1])
        guard digestInfo.count >= 2, let algorithm = r.children(digestInfo[0]).first else { return }
        let hex = Array("0123456789abcdef".utf8)
        func hexText(_ b: some Sequence<UInt8>) -> YaraObject {
            .text(b.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] })
        }
        let digestAlgorithm = oid(r.bytes[algorithm.contents])
        signature["digest_alg"] = .text(Array((algorithmNames[digestAlgorithm] ?? digestAlgorithm).utf8))
        signature["digest"] = hexText(r.bytes[digestInfo[1].contents])
        signature["_digest_oid"] = .text(Array(digestAlgorithm.utf8))
        guard let signerInfos, let signer = r.children(signerInfos).first else { return }
        let si = r.children(signer)
        guard si.count >= 5 else { return }
        var signerInfo: [String: YaraObject] = [:]
        defer { signature["signer_info"] = .structure(signerInfo) }
        // issuerAndSerialNumber → the signing certificate, then issuers up to a self-signed one.
        let id = r.children(si[1])
        var chain: [Certificate] = []
        if id.count == 2,
            let first = certificates.first(where: {
                $0.issuer == oneline(r, id[0]) && $0.serial == r.slice(id[1].contents)
            })
        {
            chain.append(first)
            while let last = chain.last, last.issuer != last.subject, chain.count < 16,
                let next = certificates.first(where: { $0.subject == last.issuer })
            {
                chain.append(next)
            }
        }
        if let signing = chain.first { signature.merge(signing.fields) { $1 } }
        signerInfo["length_of_chain"] = .integer(Int64(chain.count))
        signerInfo["chain"] = .array(chain.map { .structure($0.fields) })
        if let algorithm = r.children(si[2]).first {
            let dotted = oid(r.bytes[algorithm.contents])
            signerInfo["digest_alg"] = .text(Array((algorithmNames[dotted] ?? dotted).utf8))
        }
        for attributes in si where attributes.tag == 0xA0 || attributes.tag == 0xA1 {
            for attribute in r.children(attributes) {
                let a = r.children(attribute)
                guard a.count == 2, a[0].tag == 0x06 else { continue }
                let type = oid(r.bytes[a[0].contents])
                let values = r.children(a[1])
                if type == "1.2.840.113549.1.9.4", let v = values.first {
                    signerInfo["digest"] = hexText(r.bytes[v.contents])
                } else if type == "1.3.6.1.4.1.311.2.1.12", let v = values.first {
                    // SpcSpOpusInfo { [0] programName SpcString { [0] BMPString | [1] IA5String } }
                    if let name = r.children(v).first(where: { $0.tag == 0xA0 }), let s = r.children(name).first {
                        let raw = r.slice(s.contents)
                        signerInfo["program_name"] = .text(s.tag == 0x80 ? utf8(fromUTF16BE: raw) : raw)
                    }
                } else if type == "1.3.6.1.4.1.311.2.4.1", attributes.tag == 0xA1, depth < 16 {
                    for nested in values.prefix(16) { authenticode(r, nested, depth: depth + 1, into: &out) }
                }
            }
        }
    }

    static func utf8(fromUTF16BE raw: [UInt8]) -> [UInt8] {
        let units = stride(from: 0, to: raw.count - 1, by: 2).map { UInt16(raw[$0]) << 8 | UInt16(raw[$0 + 1]) }
        return Array(String(decoding: units, as: UTF16.self).utf8)
    }

    /// The Authenticode hash of the file: everything before the certificate table except the checksum and the
    /// security directory entry.
    static func fileDigest(_ pe: PEImage, algorithm: String, end: Int) -> [UInt8]? {
        let checksum = pe.checksumOffset
        let entry = pe.nt + (pe.is64 ? 16 : 0) + 0x98
        guard checksum + 4 <= entry, entry + 8 <= end, end <= pe.data.count else { return nil }
        let ranges = [0..<checksum, (checksum + 4)..<entry, (entry + 8)..<end]
        func run<H: HashFunction>(_ h: H) -> [UInt8] {
            var h = h
            for r in ranges { h.update(bufferPointer: UnsafeRawBufferPointer(rebasing: pe.data[r])) }
            return Array(h.finalize())
        }
        switch algorithm {
        case "1.3.14.3.2.26": return run(Insecure.SHA1())
        case "2.16.840.1.101.3.4.2.1": return run(SHA256())
        case "2.16.840.1.101.3.4.2.2": return run(SHA384())
        case "2.16.840.1.101.3.4.2.3": return run(SHA512())
        case "1.2.840.113549.2.5": return run(Insecure.MD5())
        default: return nil
        }
    }

    static func signatures(_ pe: PEImage, into values: inout [String: YaraObject]) {
        values["number_of_signatures"] = .integer(0)
        values["is_signed"] = .integer(0)
        values["signatures"] = .array([])
        guard let dir = pe.directory(4), dir.address != 0, Int(dir.address) <= pe.data.count,
            Int(dir.size) <= pe.data.count, Int(dir.address) + Int(dir.size) <= pe.data.count, dir.size >= 8
        else { return }
        let start = Int(dir.address)
        guard let length = pe.u32(start), length >= 8, start + Int(length) <= pe.data.count else { return }
        let r = DERReader(bytes: Array(pe.data[(start + 8)..<(start + Int(length))]))
        guard let blob = r.element(at: 0, limit: r.bytes.count), blob.tag == 0x30 else { return }
        var signatures: [[String: YaraObject]] = []
        authenticode(r, blob, depth: 0, into: &signatures)
        let hex = Array("0123456789abcdef".utf8)
        for i in signatures.indices {
            if case .text(let oid) = signatures[i]["_digest_oid"],
                let digest = fileDigest(pe, algorithm: String(decoding: oid, as: UTF8.self), end: start)
            {
                signatures[i]["file_digest"] = .text(digest.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] })
            }
            signatures[i]["_digest_oid"] = nil
            signatures[i]["number_of_countersignatures"] = .integer(0)
        }
        values["signatures"] = .array(signatures.map { .structure($0) })
        values["number_of_signatures"] = .integer(Int64(signatures.count))
    }
}
