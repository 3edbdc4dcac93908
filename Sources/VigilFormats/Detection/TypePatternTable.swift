/// clamscan 1.4's built-in embedded-type patterns (the mode-1 lines of its file-type database), those active at
/// functionality level 216, in the database's order, and how libclamav resolves several matches into one type.
enum TypePatternTable {
    static let patterns: [TypePattern] = rows.compactMap { TypePattern(offset: $0.0, hex: $0.1, type: $0.2) }

    /// The type the patterns give `buffer`, as libclamav's matcher in file-type mode returns it: matches are
    /// taken in the order the matcher reports them (by position), and each replaces the type so far when its
    /// type number is higher or it is an SFX type or `msexe`; an `ignored` match ends the search. An archive
    /// found after other data (ZIP, RAR, CAB, 7z, ARJ "SFX") types nothing: clamscan 1.4 keeps the file's text
    /// or binary type and extracts the archive while scanning, even when an HTML tag came first.
    static func resolve(_ buffer: UnsafeRawBufferPointer) -> FileType? {
        var matches: [(position: Int, index: Int, type: FileType)] = []
        for (index, pattern) in patterns.enumerated() {
            if let position = pattern.reportPosition(in: buffer) {
                matches.append((position, index, pattern.type))
            }
        }
        matches.sort { ($0.position, $0.index) < ($1.position, $1.index) }
        var result: FileType?
        for match in matches {
            if match.type == .ignored { return .ignored }
            if let current = result, match.type <= current, !match.type.alwaysReplaces { continue }
            result = match.type
        }
        if let result, (FileType.zipSFX...FileType.arjSFX).contains(result) { return nil }
        return result
    }

    private static let rows: [(String, String, FileType)] = [
        ("*", "3c4120*(68|48)(72|52)4546", .html),  // HTML data
        ("*", "3c4120*(68|48)(72|52)6566", .html),  // HTML data
        ("*", "3c484541443e", .html),  // HTML data
        ("*", "3c48544d4c3e", .html),  // HTML data
        ("*", "3c486561643e", .html),  // HTML data
        ("*", "3c48746d6c3e", .html),  // HTML data
        ("*", "3c494652414d45", .html),  // HTML data
        ("*", "3c494d47", .html),  // HTML data
        ("*", "3c496d67", .html),  // HTML data
        ("*", "3c4f424a454354", .html),  // HTML data
        ("*", "3c4f626a656374", .html),  // HTML data
        ("*", "3c534352495054", .html),  // HTML data
        ("*", "3c536372697074", .html),  // HTML data
        ("*", "3c5441424c45", .html),  // HTML data
        ("*", "3c6120*(68|48)(72|52)4546", .html),  // HTML data
        ("*", "3c6120*(68|48)(72|52)6566", .html),  // HTML data
        ("*", "3c686561643e", .html),  // HTML data
        ("*", "3c68746d6c3e", .html),  // HTML data
        ("*", "3c696672616d65", .html),  // HTML data
        ("*", "3c696d67", .html),  // HTML data
        ("*", "3c6f626a656374", .html),  // HTML data
        ("*", "3c736372697074", .html),  // HTML data
        ("*", "3c7461626c65", .html),  // HTML data
        ("*", "4d5a{60-300}50450000", .msexe),  // PE
        ("*", "504b0304", .zipSFX),  // ZIP-SFX
        ("*", "526172211a0700", .rarSFX),  // RAR-SFX
        ("*", "60ea{7}0002", .arjSFX),  // ARJ-SFX
        ("*", "60ea{7}0102", .arjSFX),  // ARJ-SFX
        ("*", "60ea{7}0202", .arjSFX),  // ARJ-SFX
        ("*", "a3484bbe986c4aa9994c530a86d6487d41553321454130(35|36)", .autoIt),  // AUTOIT
        ("*", "efbeadde4e756c6c736f6674496e7374", .nsis),  // NSIS
        ("0", "3c2540204c414e4755414745203d", .html),  // HTML data
        // Mail file
        ("0,1024", "0a(46|66)726f6d3a20{-1024}0a(4d|6d)(49|69)(4d|6d)(45|65)2d(56|76)657273696f6e3a20", .mail),
        ("0,1024", "0a(46|66)726f6d3a20{-2048}0a(43|63)6f6e74656e742d(54|74)7970653a20", .mail),  // Mail file
        (
            "0,1024",
            "0a(4d|6d)(49|69)(4d|6d)(45|65)2d(56|76)657273696f6e3a20{-2048}0a(43|63)6f6e74656e742d(54|74)7970653a20",
            .mail
        ),  // Mail file
        // Mail file
        ("0,1024", "0a(4d|6d)6573736167652d(49|69)643a20{-1024}0a(43|63)6f6e74656e742d(54|74)7970653a20", .mail),
        ("0,2048", "0a(52|72)656365697665643a20{-2048}0a(43|63)6f6e74656e742d(54|74)7970653a20", .mail),  // Mail file
        // ISHIELD-MSI
        ("*", "496e7374616c6c536869656c6400{292}0600000000000000????????????????0000000001", .installShieldMSI),
        ("*", "255044462d??2e", .pdf),  // PDF
        ("*", "257064662d??2e", .pdf),  // PDF
        ("0,128", "2f5247420a49440affffffffffffffffffffffffffffffffffffffffffffffff", .ignored),  // PDF image
        ("*", "4d53434600000000", .cabSFX),  // CAB-SFX
        ("*", "014344303031{2043-2443}4344303031", .iso9660),  // ISO9660
        ("0,32768", "004245413031", .udf),  // UDF
        ("8,12", "19040010", .sis),  // SIS
        ("0,1024", "44656c6976657265642d546f3a{-256}52656365697665643a", .mail),  // Mail file
        ("0", "cafebabe0000000?", .machOUniversal),  // Universal Binary
        ("0", "cafebabe0000001?", .machOUniversal),  // Universal Binary
        ("0", "cafebabe0000002?", .java),  // Java class file
        ("0", "cafebabe0000003?", .java),  // Java class file
        ("EOF-512", "6b6f6c79", .dmg),  // DMG container file
        // Microsoft Excel 2003 XML Document
        ("0", "3c3f786d6c2076657273696f6e3d22312e3022{0-1024}3c576f726b626f6f6b", .xmlExcel),
        // Microsoft Word 2003 XML Document
        ("0", "3c3f786d6c2076657273696f6e3d22312e3022{0-1024}3c776f7264446f63756d656e74", .xmlWord),
        // Microsoft Excel 2003 XML Document
        ("0", "3c3f786d6c2076657273696f6e3d22312e3022{0-1024}3c??3a576f726b626f6f6b", .xmlExcel),
        // Microsoft Word 2003 XML Document
        ("0", "3c3f786d6c2076657273696f6e3d22312e3022{0-1024}3c??3a776f7264446f63756d656e74", .xmlWord),
        ("*", "3c7864703a786470", .xdp),  // Adobe XDP - Embedded PDF
        ("0", "4552{510}504d0000", .apm),  // Disk Image - Apple Partition Map
        ("510", "55aa", .mbr),  // Disk Image - Master Boot Record
        ("0", "efbbbf3c3f786d6c2076657273696f6e3d22312e3022*3c4857504d4c", .xmlHWP),  // HWPML Document
        (
            "0", "(4d|6d)(49|69)(4d|6d)(45|65)2d(56|76)657273696f6e3a20{-1024}0a(43|63)6f6e74656e742d(54|74)7970653a20",
            .mhtml
        ),  // MHTML file
        (
            "*",
            "0a(4d|6d)(49|69)(4d|6d)(45|65)2d(56|76)657273696f6e3a20{-1024}0a(43|63)6f6e74656e742d(54|74)7970653a20",
            .mhtml
        ),  // MHTML file
        ("*", "377abcaf271c", .sevenZipSFX),  // 7zip-SFX
        (
            "0", "3c3f786d6c2076657273696f6e3d22312e3022{0-1024}70726f6769643d22576f72642e446f63756d656e74223f3e",
            .xmlWord
        ),  // Microsoft Word 2003 XML Document
        ("0", "??0d0d0a", .pythonCompiled),  // Python 3.7 or newer byte-compiled (.pyc)
        ("2", "2d6c68(30|31|32|33|34|35|36|37|64|78)2d", .lhaLzh),  // LHA or LZH archive
        ("2", "2d6c7a(73|34|35)2d", .lhaLzh),  // LHA archive using .LZS extension
        ("2", "2d706d302d", .lhaLzh),  // LHA archive using PMarc (.PMA) extension
    ]
}
