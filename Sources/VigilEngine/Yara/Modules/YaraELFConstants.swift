/// The named constants libyara's `elf` module defines, with its names and values.
enum YaraELFConstants {
    static let all: [(String, Int64)] = [
        ("ET_NONE", 0), ("ET_REL", 1), ("ET_EXEC", 2), ("ET_DYN", 3), ("ET_CORE", 4),
        ("EM_NONE", 0), ("EM_M32", 1), ("EM_SPARC", 2), ("EM_386", 3), ("EM_68K", 4), ("EM_88K", 5),
        ("EM_860", 7), ("EM_MIPS", 8), ("EM_MIPS_RS3_LE", 10), ("EM_PPC", 20), ("EM_PPC64", 21), ("EM_ARM", 40),
        ("EM_X86_64", 62), ("EM_AARCH64", 183),
        ("SHT_NULL", 0), ("SHT_PROGBITS", 1), ("SHT_SYMTAB", 2), ("SHT_STRTAB", 3), ("SHT_RELA", 4),
        ("SHT_HASH", 5), ("SHT_DYNAMIC", 6), ("SHT_NOTE", 7), ("SHT_NOBITS", 8), ("SHT_REL", 9),
        ("SHT_SHLIB", 10), ("SHT_DYNSYM", 11),
        ("SHF_WRITE", 1), ("SHF_ALLOC", 2), ("SHF_EXECINSTR", 4),
        ("PT_NULL", 0), ("PT_LOAD", 1), ("PT_DYNAMIC", 2), ("PT_INTERP", 3), ("PT_NOTE", 4), ("PT_SHLIB", 5),
        ("PT_PHDR", 6), ("PT_TLS", 7), ("PT_GNU_EH_FRAME", 0x6474_E550), ("PT_GNU_STACK", 0x6474_E551),
        ("DT_NULL", 0), ("DT_NEEDED", 1), ("DT_PLTRELSZ", 2), ("DT_PLTGOT", 3), ("DT_HASH", 4), ("DT_STRTAB", 5),
        ("DT_SYMTAB", 6), ("DT_RELA", 7), ("DT_RELASZ", 8), ("DT_RELAENT", 9), ("DT_STRSZ", 10),
        ("DT_SYMENT", 11), ("DT_INIT", 12), ("DT_FINI", 13), ("DT_SONAME", 14), ("DT_RPATH", 15),
        ("DT_SYMBOLIC", 16), ("DT_REL", 17), ("DT_RELSZ", 18), ("DT_RELENT", 19), ("DT_PLTREL", 20),
        ("DT_DEBUG", 21), ("DT_TEXTREL", 22), ("DT_JMPREL", 23), ("DT_BIND_NOW", 24), ("DT_INIT_ARRAY", 25),
        ("DT_FINI_ARRAY", 26), ("DT_INIT_ARRAYSZ", 27), ("DT_FINI_ARRAYSZ", 28), ("DT_RUNPATH", 29),
        ("DT_FLAGS", 30), ("DT_ENCODING", 32),
        ("STT_NOTYPE", 0), ("STT_OBJECT", 1), ("STT_FUNC", 2), ("STT_SECTION", 3), ("STT_FILE", 4),
        ("STT_COMMON", 5), ("STT_TLS", 6),
        ("STB_LOCAL", 0), ("STB_GLOBAL", 1), ("STB_WEAK", 2),
        ("PF_X", 1), ("PF_W", 2), ("PF_R", 4),
    ]

    /// The constants as module values.
    static let values: [String: YaraObject] = Dictionary(uniqueKeysWithValues: all.map { ($0.0, .integer($0.1)) })
}
