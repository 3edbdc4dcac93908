import Crypto
import VigilSignatures

/// Computes the requested digests of a buffer in one pass: each chunk is fed to every hash function while it
/// is still in cache.
enum ContentHasher {
    static let chunkSize = 256 * 1024

    static func digests(of data: UnsafeRawBufferPointer, _ algorithms: [HashAlgorithm]) -> [(HashAlgorithm, DigestKey)] {
        guard !algorithms.isEmpty else { return [] }
        var md5 = algorithms.contains(.md5) ? Insecure.MD5() : nil
        var sha1 = algorithms.contains(.sha1) ? Insecure.SHA1() : nil
        var sha256 = algorithms.contains(.sha256) ? SHA256() : nil
        var offset = 0
        repeat {
            let chunk = UnsafeRawBufferPointer(rebasing: data[offset..<min(data.count, offset + chunkSize)])
            md5?.update(bufferPointer: chunk)
            sha1?.update(bufferPointer: chunk)
            sha256?.update(bufferPointer: chunk)
            offset += chunkSize
        } while offset < data.count
        var out: [(HashAlgorithm, DigestKey)] = []
        if let md5 { out.append((.md5, DigestKey(md5.finalize()))) }
        if let sha1 { out.append((.sha1, DigestKey(sha1.finalize()))) }
        if let sha256 { out.append((.sha256, DigestKey(sha256.finalize()))) }
        return out
    }
}
