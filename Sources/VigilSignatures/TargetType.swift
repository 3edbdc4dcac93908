/// ClamAV's target types: which kind of file a signature applies to (`.ndb` field 2, `.ldb` `Target:`).
///
/// 0 any file, 1 PE, 2 OLE2 stream, 3 normalised HTML, 4 mail, 5 graphics, 6 ELF, 7 normalised ASCII text,
/// 8 unused, 9 Mach-O, 10 PDF, 11 Flash, 12 Java class, 13 internal, 14 other.
public enum TargetType {
    /// The highest target type clamscan 1.4 knows.
    public static let highest = 14
    /// The target types whose files have an entry point and sections (`EP`, `Sx`, `SL`, `SEx` offsets).
    public static let executables: Set<Int> = [1, 6, 9]
}
