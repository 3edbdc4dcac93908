import Testing
import VigilFormats
import VigilTestSupport

/// Import-hash text as clamscan 1.4.6 MD5s it (checked with `clamscan --debug`'s `IMP:` line on the same images).
@Suite struct PEHashInputTests {
    static func text(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { PortableExecutable.importTableHashInput($0) }.map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    @Test func namesAreLowerCasedAndTheDLLExtensionDropped() {
        let pe = PEBuilder.build(imports: [
            ("KERNEL32.dll", [.name("GetProcAddress"), .name("LoadLibraryA")]), ("user32.DLL", [.name("MessageBoxA")]),
        ])
        #expect(Self.text(pe) == "kernel32.getprocaddress,kernel32.loadlibrarya,user32.messageboxa")
    }

    @Test func ordinalsAreNamedFromClamscansTables() {
        let pe = PEBuilder.build(imports: [
            ("WS2_32.dll", [.ordinal(1), .ordinal(24), .ordinal(100), .ordinal(151), .ordinal(500)]),
            ("oleaut32.dll", [.ordinal(2), .ordinal(175), .ordinal(302), .ordinal(444)]),
            ("wsock32.dll", [.ordinal(52)]),
            ("Foo.dll", [.ordinal(7)]),
        ])
        #expect(
            Self.text(pe)
                == "ws2_32.accept,ws2_32.getaddrinfow,ws2_32.ord100,ws2_32.__wsafdisset,ws2_32.wep,"
                + "oleaut32.sysallocstring,oleaut32.varround,oleaut32.ord302,oleaut32.ord444,wsock32.gethostbyname,foo.ord7"
        )
    }

    @Test func onlyDllOcxAndSysAfterTheFirstDotAreDropped() {
        let pe = PEBuilder.build(imports: [
            ("a.ocx", [.name("F")]), ("b.SYS", [.name("G")]), ("c.drv", [.name("H")]), ("d.dll.mui", [.name("I")]),
            ("noext", [.name("J")]), ("e.dllx", [.name("K")]), ("we ird!.dll", [.name("L")]), ("k.dll", [.name("")]),
        ])
        #expect(Self.text(pe) == "a.f,b.g,c.drv.h,d.i,noext.j,e.k,we ird!.l,k.")
    }

    @Test func aFunctionNameOutsideTheAllowedCharactersCancelsTheHash() {
        #expect(Self.text(PEBuilder.build(imports: [("k.dll", [.name("Good"), .name("Bad-Name")])])) == nil)
    }

    @Test func pe32PlusHasNoImportHashButHashesSections() {
        let pe = PEBuilder.build(is64: true, imports: [("k.dll", [.name("F")])])
        #expect(Self.text(pe) == nil)
        #expect(pe.withUnsafeBytes { PortableExecutable.sectionHashRanges($0) } == [0x400..<0x600, 0x600..<0x1600])
    }

    @Test func noImportsHashesTheEmptyString() {
        #expect(Self.text(PEBuilder.build()) == "")
    }
}
