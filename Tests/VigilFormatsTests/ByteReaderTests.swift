import Testing
import VigilFormats

@Suite struct ByteReaderTests {
    @Test func readsBothByteOrdersAndRefusesReadsPastTheEnd() {
        let bytes: [UInt8] = [0x01, 0x02, 0x03, 0x04, 0x05]
        bytes.withUnsafeBytes { raw in
            let reader = ByteReader(raw)
            #expect(reader.u16le(0) == 0x0201)
            #expect(reader.u16be(0) == 0x0102)
            #expect(reader.u32le(1) == 0x0504_0302)
            #expect(reader.u32be(1) == 0x0203_0405)
            #expect(reader.u32le(2) == nil)
            #expect(reader.u8(5) == nil)
            #expect(reader.u8(-1) == nil)
            #expect(reader.u64le(0) == nil)
            #expect(reader.hasBytes([0x04, 0x05], at: 3))
            #expect(!reader.hasBytes([0x05, 0x06], at: 4))
            #expect(!reader.contains(Int.max, 1))
        }
    }
}
