import Testing
import VigilSignatures

/// `.cdb` lines: every field, clamscan's reading of ranges, and the errors that name their column.
@Suite("Container metadata signature lines")
struct ContainerMetadataSignatureTests {
    typealias Bounds = ContainerMetadataSignature.Bounds

    @Test func everyField() throws {
        let set = try parse("Zip.Dropper:CL_TYPE_ZIP:1000-2000:\\.exe$:100:0-5000:1:2:*:*:90:250", .cdb)
        let signature = try #require(set.containerMetadata.first)
        #expect(signature.name == "Zip.Dropper")
        #expect(signature.containerType == "CL_TYPE_ZIP")
        #expect(signature.containerSize == Bounds(1000, 2000))
        #expect(signature.namePattern != nil)
        #expect(signature.storedSize == Bounds(100, 100))
        #expect(signature.size == Bounds(0, 5000))
        #expect(signature.encrypted == true)
        #expect(signature.position == Bounds(2, 2))
        #expect(set.count == 1)
    }

    @Test func wildcardsMeanAny() throws {
        let signature = try #require(try parse("Any:*:*:*:*:*:*:*:*:*", .cdb).containerMetadata.first)
        #expect(signature.containerType == nil && signature.containerSize == nil && signature.namePattern == nil)
        #expect(signature.storedSize == nil && signature.size == nil && signature.encrypted == nil)
        #expect(signature.position == nil)
    }

    /// clamscan's CDBRANGE: equal ends compare exactly; otherwise 0 leaves that end open.
    @Test func boundsReadAsClamscanReadsThem() {
        #expect(Bounds(5, 5).contains(5) && !Bounds(5, 5).contains(6))
        #expect(Bounds(0, 0).contains(0) && !Bounds(0, 0).contains(1))
        #expect(Bounds(10, 20).contains(10) && Bounds(10, 20).contains(20) && !Bounds(10, 20).contains(21))
        #expect(Bounds(0, 20).contains(0) && !Bounds(0, 20).contains(21))
        #expect(Bounds(10, 0).contains(1 << 40) && !Bounds(10, 0).contains(9))
    }

    @Test func functionalityLevelRangeSkipsQuietly() throws {
        #expect(try parse("A:*:*:*:*:*:*:*:*:*:999", .cdb).containerMetadata.isEmpty)
        #expect(try parse("A:*:*:*:*:*:*:*:*:*:0:100", .cdb).containerMetadata.isEmpty)
        #expect(try parse("A:*:*:*:*:*:*:*:*:*:100", .cdb).containerMetadata.count == 1)
    }

    @Test(arguments: [
        ("A:*:*:*:*:*:*:*:*", 1, "expected NAME:CONTAINER_TYPE"),
        (":*:*:*:*:*:*:*:*:*", 1, "no name"),
        ("A:ZIP:*:*:*:*:*:*:*:*", 3, "invalid container type 'ZIP'"),
        ("A:CL_TYPE_zip:*:*:*:*:*:*:*:*", 3, "invalid container type"),
        ("A:*:12a:*:*:*:*:*:*:*", 5, "invalid container size '12a'"),
        ("A:*:*:*:1-2-3:*:*:*:*:*", 9, "invalid size in the container"),
        ("A:*:*:*:*:-5:*:*:*:*", 11, "invalid real size"),
        ("A:*:*:*:*:*:2:*:*:*", 13, "invalid encryption flag '2'"),
        ("A:*:*:*:*:*:*:99999999999:*:*", 15, "invalid file position"),
        ("A:*:*:a(b:*:*:*:*:*:*", 10, "name regex: missing ')'"),
        ("A:*:*:(?i)x:*:*:*:*:*:*", 8, "name regex: '(?' is not POSIX syntax"),
        ("A:*:*:a**:*:*:*:*:*:*", 9, "name regex: a quantifier cannot follow a quantifier"),
    ])
    func malformed(line: String, column: Int, message: String) {
        let error = parseError(line, .cdb)
        #expect(error?.code == .malformed)
        #expect(error?.location.column == column || (column == 1 && error?.location.column == nil))
        #expect(error?.message.contains(message) == true, "\(String(describing: error?.message))")
    }

    /// A PCRE escape has no POSIX meaning: the signature is skipped with a warning, never read as PCRE.
    @Test func pcreEscapesAreSkippedNotMisread() throws {
        let set = try parse("A:*:*:^\\d+\\.exe$:*:*:*:*:*:*\nB:*:*:\\.exe$:*:*:*:*:*:*", .cdb)
        #expect(set.containerMetadata.map(\.name) == ["B"])
        #expect(set.skipped.first?.message.contains("'\\d' has no POSIX meaning") == true)
        #expect(set.skipped.first?.location == SourceLocation(file: "db.cdb", line: 1, column: 8))
    }

    /// POSIX semantics where they differ from PCRE: a backslash is literal inside a bracket expression,
    /// `.` matches a line feed, `$` only the very end.
    @Test func posixRegexSyntax() throws {
        var options = RegexOptions()
        options.posixExtended = true
        let bracket = try RegexNode.parse(Array("[\\.]".utf8), options: options)
        guard case .bytes(let set) = bracket else {
            Issue.record("not a byte set")
            return
        }
        #expect(set.contains(UInt8(ascii: "\\")) && set.contains(UInt8(ascii: ".")) && !set.contains(UInt8(ascii: "a")))
        guard case .bytes(let dot) = try RegexNode.parse(Array(".".utf8), options: options) else { return }
        #expect(dot.contains(0x0A))
        #expect(try RegexNode.parse(Array("$".utf8), options: options) == .assertion(.textEnd))
    }
}
