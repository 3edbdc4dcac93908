import Crypto
import Testing
import VigilEngine
import VigilSignatures
import VigilTestSupport

func hexString<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 { digest.map { hex($0) }.joined() }

func hashMatches(_ lines: [String], _ data: [UInt8], kind: SignatureFileKind = .hdb) throws -> [Detection] {
    let set = try SignatureSet.parse(Array(lines.joined(separator: "\n").utf8), kind: kind, file: "t.\(kind)")
    var scanner = Scanner(engine: Engine(set))
    var found: [Detection] = []
    for detection in data.withUnsafeBytes({ scanner.scan($0, allMatch: true) }) where !found.contains(detection) {
        found.append(detection)
    }
    return found
}

@Suite("Hash signatures (.hdb, .hsb) and the built-in set")
struct HashAndBuiltinTests {
    let data = TestContent.noise(1000, seed: 7)

    @Test func md5Sha1Sha256WithSize() throws {
        let md5 = hexString(Insecure.MD5.hash(data: data))
        let sha1 = hexString(Insecure.SHA1.hash(data: data))
        let sha256 = hexString(SHA256.hash(data: data))
        let found = try hashMatches(["\(md5):1000:M", "\(sha1):1000:S1", "\(sha256):1000:S2"], data, kind: .hsb)
        #expect(found == [
            Detection(name: "M", kind: .hash(.md5)), Detection(name: "S1", kind: .hash(.sha1)),
            Detection(name: "S2", kind: .hash(.sha256)),
        ])
    }

    @Test func sizeMustAgree() throws {
        let md5 = hexString(Insecure.MD5.hash(data: data))
        #expect(try hashMatches(["\(md5):999:M"], data).isEmpty)
    }

    @Test func wildcardSizeMatchesAnySize() throws {
        let sha256 = hexString(SHA256.hash(data: data))
        #expect(try hashMatches(["\(sha256):*:W:73"], data).map(\.name) == ["W"])
    }

    @Test func differentContentDoesNotMatch() throws {
        let md5 = hexString(Insecure.MD5.hash(data: data))
        var other = data
        other[500] ^= 1
        #expect(try hashMatches(["\(md5):1000:M"], other).isEmpty)
    }

    @Test func eicarByItsDefinition() {
        var scanner = Scanner(engine: Engine(SignatureSet(), builtins: true))
        func scan(_ bytes: [UInt8]) -> [String] { bytes.withUnsafeBytes { scanner.scan($0) }.map(\.name) }
        let eicar = TestContent.eicar
        #expect(scan(eicar) == ["Eicar-Test-Signature"])
        #expect(scan(eicar + Array(" \r\n\t".utf8)) == ["Eicar-Test-Signature"])
        #expect(scan(eicar + Array(repeating: 0x20, count: 60)) == ["Eicar-Test-Signature"])
        #expect(scan(eicar + Array(repeating: 0x20, count: 61)).isEmpty)  // 129 bytes
        #expect(scan(eicar + Array("x".utf8)).isEmpty)
        #expect(scan(Array(" ".utf8) + eicar).isEmpty)
        #expect(scan(Array(eicar.dropLast())).isEmpty)
    }

    @Test func builtinSetCountsItsSignatures() {
        #expect(Engine(SignatureSet(), builtins: true).signatureCount == 2)
        #expect(Engine(SignatureSet()).signatureCount == 0)
    }
}

@Suite("Allow lists (.fp, .sfp) and ignore lists (.ign, .ign2)")
struct AllowAndIgnoreTests {
    let data = Array("some file that a body signature matches".utf8)

    func scan(_ set: SignatureSet) -> [String] {
        var scanner = Scanner(engine: Engine(set))
        return data.withUnsafeBytes { scanner.scan($0) }.map(\.name)
    }

    @Test func allowListedFileIsNeverReported() throws {
        var set = try SignatureSet.parse(bytes("B:0:*:626f6479"), kind: .ndb, file: "t.ndb")
        #expect(scan(set) == ["B"])
        let md5 = hexString(Insecure.MD5.hash(data: data))
        set.merge(try SignatureSet.parse(bytes("\(md5):\(data.count):Clean"), kind: .fp, file: "t.fp"))
        #expect(scan(set).isEmpty)
        var other = try SignatureSet.parse(bytes("B:0:*:626f6479"), kind: .ndb, file: "t.ndb")
        other.merge(try SignatureSet.parse(bytes("\(md5):\(data.count + 1):Clean"), kind: .sfp, file: "t.sfp"))
        #expect(scan(other) == ["B"])
    }

    @Test func ignoreListsDropSignaturesByNameOrExactLine() throws {
        let lines = "B:0:*:626f6479\nF:0:*:66696c65"
        var ignore = IgnoreList { Array(Insecure.MD5.hash(data: Array($0))) }
        try ignore.add(bytes("B\n"), file: "t.ign2")
        #expect(try SignatureSet.parse(bytes(lines), kind: .ndb, file: "t.ndb", ignoring: ignore).bodies.map(\.name) == ["F"])
        var exact = IgnoreList { Array(Insecure.MD5.hash(data: Array($0))) }
        let lineMD5 = hexString(Insecure.MD5.hash(data: Array("F:0:*:66696c65".utf8)))
        try exact.add(bytes("F:\(lineMD5)\nB:00000000000000000000000000000000\nx.ndb:7:Z\n"), file: "t.ign")
        #expect(try SignatureSet.parse(bytes(lines), kind: .ndb, file: "t.ndb", ignoring: exact).bodies.map(\.name) == ["B"])
    }
}
