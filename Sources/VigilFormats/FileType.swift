/// A file type as clamscan 1.4 names it (libclamav `cli_file_t`).
///
/// Raw values are clamscan 1.4's own numbers. Their order matters: when several embedded-type patterns match
/// the start of a file, a later match replaces an earlier one only if its number is higher (or it is an SFX
/// type or `msexe`), as libclamav's matcher does.
public enum FileType: Int, Sendable, CaseIterable, Comparable {
    /// `CL_TYPE_TEXT_ASCII`: plain ASCII, ISO-8859 or extended-ASCII text (also most UTF-8).
    case textASCII = 500
    /// `CL_TYPE_TEXT_UTF8`.
    case textUTF8 = 501
    /// `CL_TYPE_TEXT_UTF16LE`.
    case textUTF16LE = 502
    /// `CL_TYPE_TEXT_UTF16BE` (also what clamscan calls most BOM-less binary noise).
    case textUTF16BE = 503
    /// `CL_TYPE_BINARY_DATA`.
    case binaryData = 504
    /// `CL_TYPE_MSEXE`: any file starting `MZ`, with or without a valid PE header.
    case msexe = 506
    /// `CL_TYPE_ELF`.
    case elf = 507
    /// `CL_TYPE_MACHO`: a thin Mach-O file, 32 or 64 bits, either byte order.
    case machO = 508
    /// `CL_TYPE_MACHO_UNIBIN`: a fat (universal) Mach-O file.
    case machOUniversal = 509
    /// `CL_TYPE_POSIX_TAR`.
    case posixTar = 510
    /// `CL_TYPE_OLD_TAR`.
    case oldTar = 511
    /// `CL_TYPE_CPIO_OLD`.
    case cpioOld = 512
    /// `CL_TYPE_CPIO_ODC`.
    case cpioODC = 513
    /// `CL_TYPE_CPIO_NEWC`.
    case cpioNewc = 514
    /// `CL_TYPE_CPIO_CRC`.
    case cpioCRC = 515
    /// `CL_TYPE_GZ`.
    case gzip = 516
    /// `CL_TYPE_ZIP`.
    case zip = 517
    /// `CL_TYPE_BZ`.
    case bzip2 = 518
    /// `CL_TYPE_RAR`.
    case rar = 519
    /// `CL_TYPE_ARJ`.
    case arj = 520
    /// `CL_TYPE_MSSZDD`: MS `compress.exe` (SZDD) data.
    case msSZDD = 521
    /// `CL_TYPE_MSOLE2`: an OLE2 compound file.
    case ole2 = 522
    /// `CL_TYPE_MSCAB`.
    case cab = 523
    /// `CL_TYPE_MSCHM`.
    case chm = 524
    /// `CL_TYPE_SIS`: a Symbian installer.
    case sis = 525
    /// `CL_TYPE_SCRENC`: an encoded script.
    case scriptEncoded = 526
    /// `CL_TYPE_GRAPHICS`: an image of no more specific type (BMP, JPEG 2000).
    case graphics = 527
    /// `CL_TYPE_GIF`.
    case gif = 528
    /// `CL_TYPE_PNG`.
    case png = 529
    /// `CL_TYPE_JPEG`.
    case jpeg = 530
    /// `CL_TYPE_TIFF`.
    case tiff = 531
    /// `CL_TYPE_RIFF`.
    case riff = 532
    /// `CL_TYPE_BINHEX`.
    case binHex = 533
    /// `CL_TYPE_TNEF`.
    case tnef = 534
    /// `CL_TYPE_CRYPTFF`.
    case cryptFF = 535
    /// `CL_TYPE_PDF`.
    case pdf = 536
    /// `CL_TYPE_UUENCODED`.
    case uuencoded = 537
    /// `CL_TYPE_SCRIPT`.
    case script = 538
    /// `CL_TYPE_HTML_UTF16`: HTML in BOM-less or little-endian UTF-16.
    case htmlUTF16 = 539
    /// `CL_TYPE_RTF`.
    case rtf = 540
    /// `CL_TYPE_7Z`.
    case sevenZip = 541
    /// `CL_TYPE_SWF`: Flash, compressed or not.
    case swf = 542
    /// `CL_TYPE_JAVA`: a Java class file.
    case java = 543
    /// `CL_TYPE_XAR`.
    case xar = 544
    /// `CL_TYPE_XZ`.
    case xz = 545
    /// `CL_TYPE_OOXML_WORD`.
    case ooxmlWord = 546
    /// `CL_TYPE_OOXML_PPT`.
    case ooxmlPowerPoint = 547
    /// `CL_TYPE_OOXML_XL`.
    case ooxmlExcel = 548
    /// `CL_TYPE_INTERNAL`: ClamAV's own JSON properties.
    case internalProperties = 549
    /// `CL_TYPE_HWP3`.
    case hwp3 = 550
    /// `CL_TYPE_OOXML_HWP`.
    case ooxmlHWP = 551
    /// `CL_TYPE_PS`: PostScript.
    case postScript = 552
    /// `CL_TYPE_EGG`.
    case egg = 553
    /// `CL_TYPE_ONENOTE`.
    case oneNote = 554
    /// `CL_TYPE_PYTHON_COMPILED`.
    case pythonCompiled = 555
    /// `CL_TYPE_LHA_LZH`.
    case lhaLzh = 556
    /// `CL_TYPE_MBR`: a disk image with a master boot record.
    case mbr = 559
    /// `CL_TYPE_HTML`.
    case html = 560
    /// `CL_TYPE_MAIL`.
    case mail = 561
    /// `CL_TYPE_ZIPSFX`: a ZIP archive embedded after other data.
    case zipSFX = 563
    /// `CL_TYPE_RARSFX`.
    case rarSFX = 564
    /// `CL_TYPE_7ZSFX`.
    case sevenZipSFX = 565
    /// `CL_TYPE_CABSFX`.
    case cabSFX = 566
    /// `CL_TYPE_ARJSFX`.
    case arjSFX = 567
    /// `CL_TYPE_NULSFT`: an NSIS installer.
    case nsis = 569
    /// `CL_TYPE_AUTOIT`.
    case autoIt = 570
    /// `CL_TYPE_ISHIELD_MSI`.
    case installShieldMSI = 571
    /// `CL_TYPE_ISO9660`.
    case iso9660 = 572
    /// `CL_TYPE_DMG`.
    case dmg = 573
    /// `CL_TYPE_GPT`.
    case gpt = 574
    /// `CL_TYPE_APM`.
    case apm = 575
    /// `CL_TYPE_XDP`.
    case xdp = 576
    /// `CL_TYPE_XML_WORD`: Word 2003 XML.
    case xmlWord = 577
    /// `CL_TYPE_XML_XL`: Excel 2003 XML.
    case xmlExcel = 578
    /// `CL_TYPE_XML_HWP`.
    case xmlHWP = 579
    /// `CL_TYPE_HWPOLE2`.
    case hwpOLE2 = 580
    /// `CL_TYPE_MHTML`.
    case mhtml = 581
    /// `CL_TYPE_LNK`: a Windows shortcut.
    case lnk = 582
    /// `CL_TYPE_UDF`.
    case udf = 583
    /// `CL_TYPE_ALZ`.
    case alz = 584
    /// `CL_TYPE_IGNORED`: a type clamscan does not scan at all (MP3, Ogg, SQLite, ...).
    case ignored = 586

    /// Orders by clamscan's numbering, which is its detection priority.
    public static func < (a: FileType, b: FileType) -> Bool { a.rawValue < b.rawValue }

    /// Whether a later embedded-type match of this type replaces an earlier one whatever their order (libclamav:
    /// types at or past `CL_TYPE_SFX`, and `CL_TYPE_MSEXE`).
    var alwaysReplaces: Bool { rawValue >= 562 || self == .msexe }

    /// Whether this is one of the text types or binary data, the types clamscan refines with embedded-type patterns.
    public var isTextOrBinary: Bool { (FileType.textASCII.rawValue...FileType.binaryData.rawValue).contains(rawValue) }

    /// The ClamAV target type (the `TARGET` field of `.ndb` and `.ldb` signatures) whose signatures clamscan
    /// applies to a file of this type, or `nil` when only target 0 applies.
    ///
    /// What clamscan does with the target, measured with clamscan 1.4.6:
    /// - 1 (PE) applies to every `MZ` file, with or without a valid PE header.
    /// - 3 (HTML) applies only to the normalised HTML: clamscan skips the raw bytes of an HTML file entirely
    ///   (target 0 too), and `htmlUTF16` files get target 3 on their normalised form only.
    /// - 5 (graphics) covers `graphics`, `gif`, `png`, `jpeg` and `tiff`.
    /// - 7 (ASCII) applies only to the normalised text of the four text types, never to the raw bytes.
    /// - 9 (Mach-O) covers thin and universal files.
    /// - 14 (other) applies to `binaryData`.
    public var target: Int? {
        switch self {
        case .msexe: 1
        case .ole2: 2
        case .html, .htmlUTF16: 3
        case .mail: 4
        case .graphics, .gif, .png, .jpeg, .tiff: 5
        case .elf: 6
        case .textASCII, .textUTF8, .textUTF16LE, .textUTF16BE: 7
        case .machO, .machOUniversal: 9
        case .pdf: 10
        case .swf: 11
        case .java: 12
        case .internalProperties: 13
        case .binaryData: 14
        default: nil
        }
    }

    /// The name clamscan uses for the type (`CL_TYPE_...`), as in `.ldb` container and handler fields.
    public var clamAVName: String {
        switch self {
        case .textASCII: "CL_TYPE_TEXT_ASCII"
        case .textUTF8: "CL_TYPE_TEXT_UTF8"
        case .textUTF16LE: "CL_TYPE_TEXT_UTF16LE"
        case .textUTF16BE: "CL_TYPE_TEXT_UTF16BE"
        case .binaryData: "CL_TYPE_BINARY_DATA"
        case .msexe: "CL_TYPE_MSEXE"
        case .elf: "CL_TYPE_ELF"
        case .machO: "CL_TYPE_MACHO"
        case .machOUniversal: "CL_TYPE_MACHO_UNIBIN"
        case .posixTar: "CL_TYPE_POSIX_TAR"
        case .oldTar: "CL_TYPE_OLD_TAR"
        case .cpioOld: "CL_TYPE_CPIO_OLD"
        case .cpioODC: "CL_TYPE_CPIO_ODC"
        case .cpioNewc: "CL_TYPE_CPIO_NEWC"
        case .cpioCRC: "CL_TYPE_CPIO_CRC"
        case .gzip: "CL_TYPE_GZ"
        case .zip: "CL_TYPE_ZIP"
        case .bzip2: "CL_TYPE_BZ"
        case .rar: "CL_TYPE_RAR"
        case .arj: "CL_TYPE_ARJ"
        case .msSZDD: "CL_TYPE_MSSZDD"
        case .ole2: "CL_TYPE_MSOLE2"
        case .cab: "CL_TYPE_MSCAB"
        case .chm: "CL_TYPE_MSCHM"
        case .sis: "CL_TYPE_SIS"
        case .scriptEncoded: "CL_TYPE_SCRENC"
        case .graphics: "CL_TYPE_GRAPHICS"
        case .gif: "CL_TYPE_GIF"
        case .png: "CL_TYPE_PNG"
        case .jpeg: "CL_TYPE_JPEG"
        case .tiff: "CL_TYPE_TIFF"
        case .riff: "CL_TYPE_RIFF"
        case .binHex: "CL_TYPE_BINHEX"
        case .tnef: "CL_TYPE_TNEF"
        case .cryptFF: "CL_TYPE_CRYPTFF"
        case .pdf: "CL_TYPE_PDF"
        case .uuencoded: "CL_TYPE_UUENCODED"
        case .script: "CL_TYPE_SCRIPT"
        case .htmlUTF16: "CL_TYPE_HTML_UTF16"
        case .rtf: "CL_TYPE_RTF"
        case .sevenZip: "CL_TYPE_7Z"
        case .swf: "CL_TYPE_SWF"
        case .java: "CL_TYPE_JAVA"
        case .xar: "CL_TYPE_XAR"
        case .xz: "CL_TYPE_XZ"
        case .ooxmlWord: "CL_TYPE_OOXML_WORD"
        case .ooxmlPowerPoint: "CL_TYPE_OOXML_PPT"
        case .ooxmlExcel: "CL_TYPE_OOXML_XL"
        case .internalProperties: "CL_TYPE_INTERNAL"
        case .hwp3: "CL_TYPE_HWP3"
        case .ooxmlHWP: "CL_TYPE_OOXML_HWP"
        case .postScript: "CL_TYPE_PS"
        case .egg: "CL_TYPE_EGG"
        case .oneNote: "CL_TYPE_ONENOTE"
        case .pythonCompiled: "CL_TYPE_PYTHON_COMPILED"
        case .lhaLzh: "CL_TYPE_LHA_LZH"
        case .mbr: "CL_TYPE_MBR"
        case .html: "CL_TYPE_HTML"
        case .mail: "CL_TYPE_MAIL"
        case .zipSFX: "CL_TYPE_ZIPSFX"
        case .rarSFX: "CL_TYPE_RARSFX"
        case .sevenZipSFX: "CL_TYPE_7ZSFX"
        case .cabSFX: "CL_TYPE_CABSFX"
        case .arjSFX: "CL_TYPE_ARJSFX"
        case .nsis: "CL_TYPE_NULSFT"
        case .autoIt: "CL_TYPE_AUTOIT"
        case .installShieldMSI: "CL_TYPE_ISHIELD_MSI"
        case .iso9660: "CL_TYPE_ISO9660"
        case .dmg: "CL_TYPE_DMG"
        case .gpt: "CL_TYPE_GPT"
        case .apm: "CL_TYPE_APM"
        case .xdp: "CL_TYPE_XDP"
        case .xmlWord: "CL_TYPE_XML_WORD"
        case .xmlExcel: "CL_TYPE_XML_XL"
        case .xmlHWP: "CL_TYPE_XML_HWP"
        case .hwpOLE2: "CL_TYPE_HWPOLE2"
        case .mhtml: "CL_TYPE_MHTML"
        case .lnk: "CL_TYPE_LNK"
        case .udf: "CL_TYPE_UDF"
        case .alz: "CL_TYPE_ALZ"
        case .ignored: "CL_TYPE_IGNORED"
        }
    }
}
