/// The resource tree and version information, as libyara's `pe_iterate_resources`, `pe_collect_resources`
/// and `pe_parse_version_info` read them.
extension PEModule {
    static let maxResources = 65536

    /// What the resource walk collects.
    struct ResourceWalk {
        let pe: PEImage
        /// The resource directory's file offset (names and subdirectories are relative to it).
        let root: Int
        var resources: [YaraObject] = []
        var versionInfo: [[UInt8]: YaraObject] = [:]
        var versionList: [YaraObject] = []
        /// libyara's shared type, id and language (a leaf above the third level keeps earlier ones).
        var type = -1
        var id = -1
        var language = -1
        /// Directory entries visited, bounded so a looping tree ends.
        var visits = 0

        /// The UTF-16 name an entry's high bit points to, when it fits in the file.
        func name(_ entryName: UInt32) -> Int? {
            guard entryName & 0x8000_0000 != 0 else { return nil }
            let at = root + Int(entryName & 0x7FFF_FFFF)
            guard pe.fits(at, 2), pe.fits(at, 2 + 2 * Int(pe.u16(at)!)) else { return nil }
            return at
        }

        /// Walks one directory; true when libyara's walk aborts (an entry or directory past the end of the file).
        mutating func walk(_ dir: Int, level: Int, strings: (Int?, Int?, Int?)) -> Bool {
            guard pe.u32(dir) == 0, let named = pe.u16(dir + 12), let ids = pe.u16(dir + 14), named <= 32768,
                ids <= 32768
            else { return false }
            var strings = strings
            for i in 0..<(Int(named) + Int(ids)) {
                visits += 1
                guard visits < 1 << 20, resources.count <= PEModule.maxResources else { return true }
                let entry = dir + 16 + 8 * i
                guard pe.fits(entry, 8) else { return true }
                let entryName = pe.u32(entry)!
                let target = pe.u32(entry + 4)!
                switch level {
                case 0: (type, strings.0) = (Int(Int32(bitPattern: entryName)), name(entryName))
                case 1: (id, strings.1) = (Int(Int32(bitPattern: entryName)), name(entryName))
                default: (language, strings.2) = (Int(Int32(bitPattern: entryName)), name(entryName))
                }
                let at = root + Int(target & 0x7FFF_FFFF)
                guard pe.fits(at, 16) else { return true }
                if target & 0x8000_0000 != 0 && level < 2 {
                    if walk(at, level: level + 1, strings: strings) { return true }
                } else {
                    collect(at, strings: strings)
                }
            }
            return false
        }

        mutating func collect(_ entry: Int, strings: (Int?, Int?, Int?)) {
            guard resources.count <= PEModule.maxResources else { return }
            let rva = pe.u32(entry)!
            var r: [String: YaraObject] = ["rva": .integer(Int64(rva)), "length": .integer(Int64(pe.u32(entry + 4)!))]
            let offset = pe.offset(ofRVA: UInt64(rva))
            if offset >= 0 { r["offset"] = .integer(offset) }
            func set(_ string: Int?, _ value: Int, _ stringKey: String, _ intKey: String) {
                if let string {
                    let length = 2 * Int(pe.u16(string)!)
                    if pe.fits(string + 2, length) {
                        r[stringKey] = .text(Array(pe.data[(string + 2)..<(string + 2 + length)]))
                    }
                } else {
                    r[intKey] = .integer(Int64(value))
                }
            }
            set(strings.0, type, "type_string", "type")
            set(strings.1, id, "name_string", "id")
            set(strings.2, language, "language_string", "language")
            if type == 16 { versionInfo(offset) }
            resources.append(.structure(r))
        }

        // MARK: Version information

        /// Whether the wide string at `at` ends (in a NUL character) inside the file.
        func wideFits(_ at: Int) -> Bool {
            guard at >= 0 else { return false }
            var i = at
            while i + 2 <= pe.data.count {
                if pe.data[i] == 0 && pe.data[i + 1] == 0 { return true }
                i += 2
            }
            return false
        }
        /// libyara `strcmp_w(w, s) == 0`, for a string known to fit.
        func wideEquals(_ at: Int, _ s: String) -> Bool {
            let chars = Array(s.utf8) + [0]
            guard pe.fits(at, 2 * chars.count) else { return false }
            for (i, c) in chars.enumerated() where pe.data[at + 2 * i] != c || pe.data[at + 2 * i + 1] != 0 {
                return false
            }
            return true
        }
        /// libyara `strnlen_w`.
        func wideLength(_ at: Int) -> Int {
            var i = at
            while i + 1 < pe.data.count, pe.data[i] != 0 || pe.data[i + 1] != 0 { i += 2 }
            return (i - at) / 2
        }
        /// libyara `strlcpy_w` into a buffer of `size`: the low bytes up to the first zero one.
        func narrow(_ at: Int, _ size: Int) -> [UInt8] {
            var out: [UInt8] = []
            var i = at
            while out.count < size - 1, i < pe.data.count, pe.data[i] != 0 {
                out.append(pe.data[i])
                i += 2
            }
            return out
        }
        func align(_ base: Int, _ offset: Int) -> Int { base + ((offset + 3) & ~3) }

        mutating func versionInfo(_ start: Int64) {
            guard start >= 0 else { return }
            var info = Int(start)
            guard pe.fits(info, 6), pe.fits(info + 6, 32), wideEquals(info + 6, "VS_VERSION_INFO") else { return }
            info = align(info, 92)
            while pe.fits(info + 6, 24), wideEquals(info + 6, "VarFileInfo"), let length = pe.u16(info), length != 0 {
                info = align(info, Int(length))
            }
            while pe.fits(info + 6, 30), wideEquals(info + 6, "StringFileInfo"), let length = pe.u16(info),
                length != 0
            {
                var table = align(info, 36)
                info = align(info, Int(length))
                while pe.fits(table, 6), wideFits(table + 6), let tableLength = pe.u16(table), tableLength != 0,
                    table < info
                {
                    var string = align(table, 6 + 2 * (wideLength(table + 6) + 1))
                    table = align(table, Int(tableLength))
                    while pe.fits(string, 6), wideFits(string + 6), let stringLength = pe.u16(string),
                        stringLength != 0, string < table
                    {
                        let value = align(string, 6 + 2 * (wideLength(string + 6) + 1))
                        if wideFits(value) {
                            let key = narrow(string + 6, 64)
                            let text = pe.u16(string + 2) == 0 ? [] : narrow(value, 256)
                            versionInfo[key] = .text(text)
                            versionList.append(.structure(["key": .text(key), "value": .text(text)]))
                        }
                        string = align(string, Int(stringLength))
                    }
                }
            }
        }
    }

    /// The resource directory's header, its leaves and the version strings.
    static func resources(_ pe: PEImage, into values: inout [String: YaraObject]) {
        var walk: ResourceWalk?
        if let dir = pe.directory(2), dir.address != 0, let root = pe.fileOffset(UInt64(dir.address)), pe.fits(root, 16)
        {
            values["resource_timestamp"] = .integer(Int64(pe.u32(root + 4)!))
            values["resource_version"] = .structure([
                "major": .integer(Int64(pe.u16(root + 8)!)), "minor": .integer(Int64(pe.u16(root + 10)!)),
            ])
            var w = ResourceWalk(pe: pe, root: root)
            _ = w.walk(root, level: 0, strings: (nil, nil, nil))
            walk = w
        }
        values["number_of_resources"] = .integer(Int64(walk?.resources.count ?? 0))
        values["resources"] = .array(walk?.resources ?? [])
        values["version_info"] = .dictionary(walk?.versionInfo ?? [:])
        values["version_info_list"] = .array(walk?.versionList ?? [])
        values["number_of_version_infos"] = .integer(Int64(walk?.versionList.count ?? 0))
    }
}
