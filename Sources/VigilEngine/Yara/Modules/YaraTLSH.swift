/// TLSH (Trend Micro's locality-sensitive hash) as libyara's bundled `tlshc` computes it for `elf.telfhash()`:
/// 128 buckets, a 1-byte checksum, a 5-byte window, at least 50 bytes, shown with the `T1` version prefix.
enum YaraTLSH {
    /// The hash's 72 uppercase hex characters, or empty when the input is too short or too uniform to hash (as
    /// `tlsh_get_hash` gives).
    static func hash(_ data: [UInt8]) -> [UInt8] {
        guard data.count >= 50 else { return [] }
        var buckets = [UInt32](repeating: 0, count: 256)
        var checksum: UInt8 = 0
        func map(_ salt: UInt8, _ i: UInt8, _ j: UInt8, _ k: UInt8) -> UInt8 {
            pearson[Int(pearson[Int(pearson[Int(salt ^ i)] ^ j)] ^ k)]
        }
        for i in 4..<data.count {
            let (a0, a1, a2, a3, a4) = (data[i], data[i - 1], data[i - 2], data[i - 3], data[i - 4])
            checksum = map(1, a0, a1, checksum)
            buckets[Int(map(49, a0, a1, a2))] += 1
            buckets[Int(map(12, a0, a1, a3))] += 1
            buckets[Int(map(178, a0, a2, a3))] += 1
            buckets[Int(map(166, a0, a2, a4))] += 1
            buckets[Int(map(84, a0, a1, a4))] += 1
            buckets[Int(map(230, a0, a3, a4))] += 1
        }
        let sorted = buckets[0..<128].sorted()
        let (q1, q2, q3) = (sorted[31], sorted[63], sorted[95])
        guard q3 != 0, buckets[0..<128].filter({ $0 > 0 }).count > 64 else { return [] }
        var code = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 {
            var h: UInt8 = 0
            for j in 0..<4 {
                let k = buckets[4 * i + j]
                let level: UInt8 = q3 < k ? 3 : q2 < k ? 2 : q1 < k ? 1 : 0
                h += level << (j * 2)
            }
            code[i] = h
        }
        let q1Ratio = UInt8(UInt32(Float(q1 &* 100) / Float(q3)) % 16)
        let q2Ratio = UInt8(UInt32(Float(q2 &* 100) / Float(q3)) % 16)
        func swapped(_ b: UInt8) -> UInt8 { b >> 4 | b << 4 }
        let bytes =
            [swapped(checksum), swapped(lengthCode(UInt32(clamping: data.count))), q1Ratio << 4 | q2Ratio]
            + code.reversed()
        return Array("T1".utf8) + YaraModuleText.hex(bytes).map { $0 >= 0x61 ? $0 - 0x20 : $0 }
    }

    /// The length's logarithmic bucket (`l_capturing`).
    private static func lengthCode(_ length: UInt32) -> UInt8 {
        var (bottom, top, index) = (0, 170, 85)
        for _ in 0..<16 {
            if index == 0 { return 0 }
            guard index < topValues.count else { return 169 }
            if length <= topValues[index] && length > topValues[index - 1] { return UInt8(index) }
            if length < topValues[index] { top = index - 1 } else { bottom = index + 1 }
            index = (bottom + top) / 2
        }
        return UInt8(truncatingIfNeeded: index)
    }

    private static let topValues: [UInt32] = [
        1, 2, 3, 5, 7, 11, 17, 25, 38, 57, 86, 129, 194, 291, 437, 656, 854, 1110, 1443, 1876, 2439, 3171, 3475,
        3823, 4205, 4626, 5088, 5597, 6157, 6772, 7450, 8195, 9014, 9916, 10907, 11998, 13198, 14518, 15970, 17567,
        19323, 21256, 23382, 25720, 28292, 31121, 34233, 37656, 41422, 45564, 50121, 55133, 60646, 66711, 73382,
        80721, 88793, 97672, 107439, 118183, 130002, 143002, 157302, 173032, 190335, 209369, 230306, 253337,
        278670, 306538, 337191, 370911, 408002, 448802, 493682, 543050, 597356, 657091, 722800, 795081, 874589,
        962048, 1_058_252, 1_164_078, 1_280_486, 1_408_534, 1_549_388, 1_704_327, 1_874_759, 2_062_236, 2_268_459,
        2_495_305, 2_744_836, 3_019_320, 3_321_252, 3_653_374, 4_018_711, 4_420_582, 4_862_641, 5_348_905,
        5_883_796, 6_472_176, 7_119_394, 7_831_333, 8_614_467, 9_475_909, 10_423_501, 11_465_851, 12_612_437,
        13_873_681, 15_261_050, 16_787_154, 18_465_870, 20_312_458, 22_343_706, 24_578_077, 27_035_886,
        29_739_474, 32_713_425, 35_984_770, 39_583_245, 43_541_573, 47_895_730, 52_685_306, 57_953_837,
        63_749_221, 70_124_148, 77_136_564, 84_850_228, 93_335_252, 102_668_779, 112_935_659, 124_229_227,
        136_652_151, 150_317_384, 165_349_128, 181_884_040, 200_072_456, 220_079_703, 242_087_671, 266_296_456,
        292_926_096, 322_218_735, 354_440_623, 389_884_688, 428_873_168, 471_760_495, 518_936_559, 570_830_240,
        627_913_311, 690_704_607, 759_775_136, 835_752_671, 919_327_967, 1_011_260_767, 1_112_386_880,
        1_223_623_232, 1_345_985_727, 1_480_584_256, 1_628_642_751, 1_791_507_135, 1_970_657_856, 2_167_723_648,
        2_384_496_256, 2_622_945_920, 2_885_240_448, 3_173_764_736, 3_491_141_248, 3_840_255_616, 4_224_281_216,
    ]

    /// Pearson's sample permutation.
    private static let pearson: [UInt8] = [
        1, 87, 49, 12, 176, 178, 102, 166, 121, 193, 6, 84, 249, 230, 44, 163, 14, 197, 213, 181, 161, 85, 218, 80,
        64, 239, 24, 226, 236, 142, 38, 200, 110, 177, 104, 103, 141, 253, 255, 50, 77, 101, 81, 18, 45, 96, 31,
        222, 25, 107, 190, 70, 86, 237, 240, 34, 72, 242, 20, 214, 244, 227, 149, 235, 97, 234, 57, 22, 60, 250,
        82, 175, 208, 5, 127, 199, 111, 62, 135, 248, 174, 169, 211, 58, 66, 154, 106, 195, 245, 171, 17, 187, 182,
        179, 0, 243, 132, 56, 148, 75, 128, 133, 158, 100, 130, 126, 91, 13, 153, 246, 216, 219, 119, 68, 223, 78,
        83, 88, 201, 99, 122, 11, 92, 32, 136, 114, 52, 10, 138, 30, 48, 183, 156, 35, 61, 26, 143, 74, 251, 94,
        129, 162, 63, 152, 170, 7, 115, 167, 241, 206, 3, 150, 55, 59, 151, 220, 90, 53, 23, 131, 125, 173, 15, 238,
        79, 95, 89, 16, 105, 137, 225, 224, 217, 160, 37, 123, 118, 73, 2, 157, 46, 116, 9, 145, 134, 228, 207,
        212, 202, 215, 69, 229, 27, 188, 67, 124, 168, 252, 42, 4, 29, 108, 21, 247, 19, 205, 39, 203, 233, 40, 186,
        147, 198, 192, 155, 33, 164, 191, 98, 204, 165, 180, 117, 76, 140, 36, 210, 172, 41, 54, 159, 8, 185, 232,
        113, 196, 231, 47, 146, 120, 51, 65, 28, 144, 254, 221, 93, 189, 194, 139, 112, 43, 71, 109, 184, 209,
    ]
}
