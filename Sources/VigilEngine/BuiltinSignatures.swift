import VigilSignatures

/// The signatures every Vigil carries, so a scan works with no database at all (DESIGN.md).
public enum BuiltinSignatures {
    /// The name of the EICAR detection, as ClamAV names it.
    public static let eicarName = "Eicar-Test-Signature"

    /// ClamAV's own test file (`clam.exe` in Debian's `clamav-testfiles`), by SHA-256 and size.
    public static let hashes: [HashSignature] = [
        HashSignature(
            name: "ClamAV-Test-File", algorithm: .sha256,
            digest: hexBytes("71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495"), size: 544)
    ]

    /// The 68-byte EICAR string, stored reversed so that this source file is not itself a test file.
    static let eicar: [UInt8] = Array(#"*H+H$!ELIF-TSET-SURIVITNA-DRADNATS-RACIE$}7)CC7)^P(45XZP\4[PA@%P!O5X"#.utf8.reversed())

    /// EICAR's definition: the string at offset 0, optionally followed by whitespace, in at most 128 bytes.
    public static func isEICAR(_ data: UnsafeRawBufferPointer) -> Bool {
        guard data.count >= eicar.count, data.count <= 128 else { return false }
        for i in 0..<eicar.count where data[i] != eicar[i] { return false }
        let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D, 0x1A]
        return data[eicar.count...].allSatisfy(whitespace.contains)
    }

    static func hexBytes(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = text.utf8.makeIterator()
        while let h = it.next(), let l = it.next() {
            out.append(UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16)!)
        }
        return out
    }
}
