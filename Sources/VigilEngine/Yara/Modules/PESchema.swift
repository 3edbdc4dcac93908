/// The `pe` module's declarations (libyara 4.5's `begin_declarations` for `pe`) and its constants.
extension PEModule {
    /// The constants, defined for every file.
    static let constants: [String: Int64] = [
        "IMPORT_ANY": -1, "IMPORT_STANDARD": 1, "IMPORT_DELAYED": 2, "IMAGE_DEBUG_TYPE_REPRO": 16,
        "IMAGE_DEBUG_TYPE_MPX": 15, "IMAGE_DEBUG_TYPE_ILTCG": 14, "IMAGE_DEBUG_TYPE_POGO": 13,
        "IMAGE_DEBUG_TYPE_VC_FEATURE": 12, "IMAGE_DEBUG_TYPE_CLSID": 11, "IMAGE_DEBUG_TYPE_RESERVED10": 10,
        "IMAGE_DEBUG_TYPE_BORLAND": 9, "IMAGE_DEBUG_TYPE_OMAP_FROM_SRC": 8, "IMAGE_DEBUG_TYPE_OMAP_TO_SRC": 7,
        "IMAGE_DEBUG_TYPE_FIXUP": 6, "IMAGE_DEBUG_TYPE_EXCEPTION": 5, "IMAGE_DEBUG_TYPE_MISC": 4,
        "IMAGE_DEBUG_TYPE_FPO": 3, "IMAGE_DEBUG_TYPE_CODEVIEW": 2, "IMAGE_DEBUG_TYPE_COFF": 1,
        "IMAGE_DEBUG_TYPE_UNKNOWN": 0, "RESOURCE_TYPE_MANIFEST": 24, "RESOURCE_TYPE_HTML": 23,
        "RESOURCE_TYPE_ANIICON": 22, "RESOURCE_TYPE_ANICURSOR": 21, "RESOURCE_TYPE_VXD": 20,
        "RESOURCE_TYPE_PLUGPLAY": 19, "RESOURCE_TYPE_DLGINCLUDE": 17, "RESOURCE_TYPE_VERSION": 16,
        "RESOURCE_TYPE_GROUP_ICON": 14, "RESOURCE_TYPE_GROUP_CURSOR": 12, "RESOURCE_TYPE_MESSAGETABLE": 11,
        "RESOURCE_TYPE_RCDATA": 10, "RESOURCE_TYPE_ACCELERATOR": 9, "RESOURCE_TYPE_FONT": 8,
        "RESOURCE_TYPE_FONTDIR": 7, "RESOURCE_TYPE_STRING": 6, "RESOURCE_TYPE_DIALOG": 5, "RESOURCE_TYPE_MENU": 4,
        "RESOURCE_TYPE_ICON": 3, "RESOURCE_TYPE_BITMAP": 2, "RESOURCE_TYPE_CURSOR": 1, "SECTION_SCALE_INDEX": 1,
        "SECTION_MEM_WRITE": 2_147_483_648, "SECTION_MEM_READ": 1_073_741_824, "SECTION_MEM_EXECUTE": 536_870_912,
        "SECTION_MEM_SHARED": 268_435_456, "SECTION_MEM_NOT_PAGED": 134_217_728, "SECTION_MEM_NOT_CACHED": 67_108_864,
        "SECTION_MEM_DISCARDABLE": 33_554_432, "SECTION_LNK_NRELOC_OVFL": 16_777_216, "SECTION_ALIGN_MASK": 15_728_640,
        "SECTION_ALIGN_8192BYTES": 14_680_064, "SECTION_ALIGN_4096BYTES": 13_631_488,
        "SECTION_ALIGN_2048BYTES": 12_582_912, "SECTION_ALIGN_1024BYTES": 11_534_336,
        "SECTION_ALIGN_512BYTES": 10_485_760,
        "SECTION_ALIGN_256BYTES": 9_437_184, "SECTION_ALIGN_128BYTES": 8_388_608, "SECTION_ALIGN_64BYTES": 7_340_032,
        "SECTION_ALIGN_32BYTES": 6_291_456, "SECTION_ALIGN_16BYTES": 5_242_880, "SECTION_ALIGN_8BYTES": 4_194_304,
        "SECTION_ALIGN_4BYTES": 3_145_728, "SECTION_ALIGN_2BYTES": 2_097_152, "SECTION_ALIGN_1BYTES": 1_048_576,
        "SECTION_MEM_PRELOAD": 524288, "SECTION_MEM_LOCKED": 262144, "SECTION_MEM_16BIT": 131072,
        "SECTION_MEM_PURGEABLE": 131072, "SECTION_MEM_FARDATA": 32768, "SECTION_GPREL": 32768,
        "SECTION_NO_DEFER_SPEC_EXC": 16384, "SECTION_LNK_COMDAT": 4096, "SECTION_LNK_REMOVE": 2048,
        "SECTION_LNK_INFO": 512, "SECTION_LNK_OTHER": 256, "SECTION_CNT_UNINITIALIZED_DATA": 128,
        "SECTION_CNT_INITIALIZED_DATA": 64, "SECTION_CNT_CODE": 32, "SECTION_NO_PAD": 8,
        "IMAGE_ROM_OPTIONAL_HDR_MAGIC": 263, "IMAGE_NT_OPTIONAL_HDR64_MAGIC": 523,
        "IMAGE_NT_OPTIONAL_HDR32_MAGIC": 267, "IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR": 14,
        "IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT": 13, "IMAGE_DIRECTORY_ENTRY_IAT": 12,
        "IMAGE_DIRECTORY_ENTRY_BOUND_IMPORT": 11, "IMAGE_DIRECTORY_ENTRY_LOAD_CONFIG": 10,
        "IMAGE_DIRECTORY_ENTRY_TLS": 9, "IMAGE_DIRECTORY_ENTRY_GLOBALPTR": 8, "IMAGE_DIRECTORY_ENTRY_COPYRIGHT": 7,
        "IMAGE_DIRECTORY_ENTRY_ARCHITECTURE": 7, "IMAGE_DIRECTORY_ENTRY_DEBUG": 6,
        "IMAGE_DIRECTORY_ENTRY_BASERELOC": 5, "IMAGE_DIRECTORY_ENTRY_SECURITY": 4,
        "IMAGE_DIRECTORY_ENTRY_EXCEPTION": 3, "IMAGE_DIRECTORY_ENTRY_RESOURCE": 2, "IMAGE_DIRECTORY_ENTRY_IMPORT": 1,
        "IMAGE_DIRECTORY_ENTRY_EXPORT": 0, "BYTES_REVERSED_HI": 32768, "UP_SYSTEM_ONLY": 16384, "DLL": 8192,
        "SYSTEM": 4096, "NET_RUN_FROM_SWAP": 2048, "REMOVABLE_RUN_FROM_SWAP": 1024, "DEBUG_STRIPPED": 512,
        "MACHINE_32BIT": 256, "BYTES_REVERSED_LO": 128, "LARGE_ADDRESS_AWARE": 32, "AGGRESIVE_WS_TRIM": 16,
        "LOCAL_SYMS_STRIPPED": 8, "LINE_NUMS_STRIPPED": 4, "EXECUTABLE_IMAGE": 2, "RELOCS_STRIPPED": 1,
        "TERMINAL_SERVER_AWARE": 32768, "GUARD_CF": 16384, "WDM_DRIVER": 8192, "APPCONTAINER": 4096, "NO_BIND": 2048,
        "NO_SEH": 1024, "NO_ISOLATION": 512, "NX_COMPAT": 256, "FORCE_INTEGRITY": 128, "DYNAMIC_BASE": 64,
        "HIGH_ENTROPY_VA": 32, "SUBSYSTEM_WINDOWS_BOOT_APPLICATION": 16, "SUBSYSTEM_XBOX": 14,
        "SUBSYSTEM_EFI_ROM_IMAGE": 13, "SUBSYSTEM_EFI_RUNTIME_DRIVER": 12, "SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER": 11,
        "SUBSYSTEM_EFI_APPLICATION": 10, "SUBSYSTEM_WINDOWS_CE_GUI": 9, "SUBSYSTEM_NATIVE_WINDOWS": 8,
        "SUBSYSTEM_POSIX_CUI": 7, "SUBSYSTEM_OS2_CUI": 5, "SUBSYSTEM_WINDOWS_CUI": 3, "SUBSYSTEM_WINDOWS_GUI": 2,
        "SUBSYSTEM_NATIVE": 1, "SUBSYSTEM_UNKNOWN": 0, "MACHINE_CEE": 49390, "MACHINE_CEF": 3311,
        "MACHINE_TRICORE": 1312, "MACHINE_AXP64": 644, "MACHINE_ALPHA64": 644, "MACHINE_SH3E": 420,
        "MACHINE_ALPHA": 388, "MACHINE_R10000": 360, "MACHINE_R3000": 354, "MACHINE_TARGET_HOST": 1,
        "MACHINE_WCEMIPSV2": 361, "MACHINE_THUMB": 450, "MACHINE_SH5": 424, "MACHINE_SH4": 422,
        "MACHINE_SH3DSP": 419, "MACHINE_SH3": 418, "MACHINE_R4000": 358, "MACHINE_POWERPCFP": 497,
        "MACHINE_POWERPC": 496, "MACHINE_MIPSFPU16": 1126, "MACHINE_MIPSFPU": 870, "MACHINE_MIPS16": 614,
        "MACHINE_M32R": 36929, "MACHINE_IA64": 512, "MACHINE_I386": 332, "MACHINE_EBC": 3772, "MACHINE_ARM64": 43620,
        "MACHINE_ARMNT": 452, "MACHINE_ARM": 448, "MACHINE_AMD64": 34404, "MACHINE_AM33": 467, "MACHINE_UNKNOWN": 0,
    ]

    /// A certificate's fields.
    static let certificate: [String: YaraSchema] = [
        "thumbprint": .text, "issuer": .text, "subject": .text, "version": .integer, "algorithm": .text,
        "algorithm_oid": .text, "serial": .text, "not_before": .integer, "not_after": .integer,
    ]

    /// An import table's DLLs and functions.
    static let importDetails: YaraSchema = .array(
        .structure([
            "library_name": .text, "number_of_functions": .integer,
            "functions": .array(.structure(["name": .text, "ordinal": .integer, "rva": .integer])),
        ]))

    /// Every member.
    static let schema: [String: YaraSchema] = {
        var s = constants.mapValues { _ in YaraSchema.integer }
        for name in [
            "is_pe", "machine", "number_of_sections", "timestamp", "pointer_to_symbol_table", "number_of_symbols",
            "size_of_optional_header", "characteristics", "entry_point", "entry_point_raw", "image_base",
            "number_of_rva_and_sizes", "number_of_version_infos", "opthdr_magic", "size_of_code",
            "size_of_initialized_data", "size_of_uninitialized_data", "base_of_code", "base_of_data",
            "section_alignment", "file_alignment", "win32_version_value", "size_of_image", "size_of_headers",
            "checksum", "subsystem", "dll_characteristics", "size_of_stack_reserve", "size_of_stack_commit",
            "size_of_heap_reserve", "size_of_heap_commit", "loader_flags", "number_of_imports",
            "number_of_imported_functions", "number_of_delayed_imports", "number_of_delayed_imported_functions",
            "number_of_exports", "export_timestamp", "resource_timestamp", "number_of_resources", "is_signed",
            "number_of_signatures",
        ] {
            s[name] = .integer
        }
        let version = YaraSchema.structure(["major": .integer, "minor": .integer])
        for name in ["linker_version", "os_version", "image_version", "subsystem_version", "resource_version"] {
            s[name] = version
        }
        s["dll_name"] = .text
        s["pdb_path"] = .text
        s["version_info"] = .dictionary(.text)
        s["version_info_list"] = .array(.structure(["key": .text, "value": .text]))
        s["data_directories"] = .array(.structure(["virtual_address": .integer, "size": .integer]))
        s["sections"] = .array(
            .structure([
                "name": .text, "full_name": .text, "characteristics": .integer, "virtual_address": .integer,
                "virtual_size": .integer, "raw_data_offset": .integer, "raw_data_size": .integer,
                "pointer_to_relocations": .integer, "pointer_to_line_numbers": .integer,
                "number_of_relocations": .integer, "number_of_line_numbers": .integer,
            ]))
        s["overlay"] = .structure(["offset": .integer, "size": .integer])
        s["rich_signature"] = .structure([
            "offset": .integer, "length": .integer, "key": .integer, "raw_data": .text, "clear_data": .text,
            "version_data": .text,
            "version": .function([function([.integer], richVersion), function([.integer, .integer], richVersion)]),
            "toolid": .function([function([.integer], richToolid), function([.integer, .integer], richToolid)]),
        ])
        s["export_details"] = .array(
            .structure([
                "offset": .integer, "name": .text, "forward_name": .text, "ordinal": .integer, "rva": .integer,
            ]))
        s["import_details"] = importDetails
        s["delayed_import_details"] = importDetails
        s["resources"] = .array(
            .structure([
                "rva": .integer, "offset": .integer, "length": .integer, "type": .integer, "id": .integer,
                "language": .integer, "type_string": .text, "name_string": .text, "language_string": .text,
            ]))
        let chain = YaraSchema.array(.structure(certificate))
        var signature = certificate
        signature["verified"] = .integer
        signature["digest_alg"] = .text
        signature["digest"] = .text
        signature["file_digest"] = .text
        signature["number_of_certificates"] = .integer
        signature["certificates"] = chain
        signature["signer_info"] = .structure([
            "program_name": .text, "digest": .text, "digest_alg": .text, "length_of_chain": .integer,
            "chain": chain,
        ])
        signature["number_of_countersignatures"] = .integer
        signature["countersignatures"] = .array(
            .structure([
                "verified": .integer, "sign_time": .integer, "digest_alg": .text, "digest": .text,
                "length_of_chain": .integer, "chain": chain,
            ]))
        signature["valid_on"] = .function([function([.integer], validOn)])
        s["signatures"] = .array(.structure(signature))
        s["calculate_checksum"] = .function([function([], calculateChecksum)])
        s["imphash"] = .function([YaraFunction(arguments: [], result: .text, body: imphash)])
        s["section_index"] = .function([function([.text], sectionIndexName), function([.integer], sectionIndexAddress)])
        s["exports"] = .function([
            function([.text], { exportIndex($0).map { .integer($0 < 0 ? 0 : 1) } }),
            function([.regex], { exportIndex($0).map { .integer($0 < 0 ? 0 : 1) } }),
            function([.integer], { exportIndex($0).map { .integer($0 < 0 ? 0 : 1) } }),
        ])
        s["exports_index"] = .function([
            function([.text], exportsIndex), function([.integer], exportsIndex), function([.regex], exportsIndex),
        ])
        s["imports"] = .function(
            [
                [.text, .text], [.text, .integer], [.text], [.regex, .regex], [.integer, .text, .text],
                [.integer, .text, .integer], [.integer, .text], [.integer, .regex, .regex],
            ].map { function($0, imports) })
        s["import_rva"] = .function([function([.text, .text], importRVA), function([.text, .integer], importRVA)])
        s["delayed_import_rva"] = .function([
            function([.text, .text], delayedImportRVA), function([.text, .integer], delayedImportRVA),
        ])
        s["locale"] = .function([function([.integer], { language($0, mask: 0xFFFF) })])
        s["language"] = .function([function([.integer], { language($0, mask: 0xFF) })])
        s["is_dll"] = .function([function([], isDLL)])
        s["is_32bit"] = .function([function([], { bits($0, 32) })])
        s["is_64bit"] = .function([function([], { bits($0, 64) })])
        s["rva_to_offset"] = .function([function([.integer], rvaToOffset)])
        return s
    }()

    /// An integer-valued overload.
    static func function(_ arguments: [YaraArgument], _ body: @escaping @Sendable (YaraCall) -> YaraValue?)
        -> YaraFunction
    {
        YaraFunction(arguments: arguments, result: .integer, body: body)
    }
}
