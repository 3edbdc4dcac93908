import Testing
import VigilFormats
import VigilTestSupport

/// Mail, mbox, TNEF, RTF objects and HTML `data:` URLs, on files the tests build.
@Suite struct MessageFormatTests {
    static let payload = Array("MZ payload\u{0}\u{1}\u{2}=\r\n".utf8) + TestContent.noise(2000, seed: 9)

    static func parts(_ text: String, maximumSize: Int = 1 << 20) -> [ArchiveMember] {
        members(of: Array(text.utf8)) { Mail.forEachPart(in: $0, maximumSize: maximumSize, $1) }
    }

    static let multipart = """
        From: a@example.com\r
        Subject: test\r
        MIME-Version: 1.0\r
        Content-Type: multipart/mixed;\r
        \tboundary="outer=1"\r
        \r
        This is the preamble.\r
        --outer=1\r
        Content-Type: text/plain; charset=us-ascii\r
        Content-Transfer-Encoding: quoted-printable\r
        \r
        \(MessageEncoders.quotedPrintable(payload))\r
        --outer=1\r
        Content-Type: multipart/alternative; boundary=inner\r
        \r
        --inner\r
        Content-Type: application/octet-stream; name="a.bin"\r
        Content-Transfer-Encoding: base64\r
        \r
        \(MessageEncoders.base64(payload))\r
        --inner--\r
        --outer=1\r
        Content-Type: message/rfc822\r
        \r
        Subject: attached\r
        Content-Type: text/plain\r
        \r
        see below\r
        \(MessageEncoders.uuencode(payload, name: "u.bin"))
        --outer=1--\r
        epilogue\r

        """

    @Test func multipartMessage() {
        let members = Self.parts(Self.multipart)
        #expect(members.map(\.name) == ["", "a.bin", "u.bin", ""])
        #expect(members[0].data == Self.payload)
        #expect(members[1].data == Self.payload)
        #expect(members[2].data == Self.payload)
        #expect(members[3].data.starts(with: Array("see below\r\nbegin 644 u.bin".utf8)))
        #expect(members.map(\.index) == [0, 1, 2, 3])
    }

    @Test func mboxAndSinglePartMessages() {
        let mbox = """
            From someone Thu Jul 31 13:49:50 2008
            Content-Type: application/octet-stream; name="one"
            Content-Transfer-Encoding: base64

            \(MessageEncoders.base64(Self.payload))

            From other Thu Jul 31 13:49:51 2008
            Content-Transfer-Encoding: x-uuencode

            \(MessageEncoders.uuencode(Self.payload, name: "two"))
            """
        let members = Self.parts(mbox)
        #expect(members.map(\.name) == ["one", "two"])
        #expect(members.allSatisfy { $0.data == Self.payload })
        // No headers at all: the whole text is one part.
        #expect(Self.parts("just text\nand more").map(\.data) == [Array("just text\nand more".utf8)])
        // A boundary that never occurs: the body is one text part.
        let unsplit = Self.parts("Content-Type: multipart/mixed; boundary=x\n\nbody\n")
        #expect(unsplit.map(\.data) == [Array("body\n".utf8)])
    }

    @Test func limitsAndDamage() {
        let capped = Self.parts(Self.multipart, maximumSize: 100)
        #expect(capped[1].data == Array(Self.payload.prefix(100)) && capped[1].truncated)
        #expect(capped[1].size == Self.payload.count)
        let bytes = Array(Self.multipart.utf8)
        for cut in stride(from: 0, to: bytes.count, by: 13) {
            Array(bytes.prefix(cut)).withUnsafeBytes { Mail.forEachPart(in: $0, maximumSize: 1 << 20) { _ in true } }
        }
        // 1,000 nested multiparts: followed to the depth bound, then given undecoded.
        var nested = ""
        for level in 0..<1000 { nested += "Content-Type: multipart/mixed; boundary=b\(level)-\n\n--b\(level)-\n" }
        nested += "Content-Transfer-Encoding: base64\n\n" + MessageEncoders.base64(Self.payload) + "\n"
        let deep = Self.parts(nested)
        #expect(deep.count == 1 && deep[0].data.count > Self.payload.count)
        // The visitor can stop the walk.
        var seen = 0
        Array(Self.multipart.utf8).withUnsafeBytes {
            Mail.forEachPart(in: $0, maximumSize: 1 << 20) { _ in
                seen += 1
                return false
            }
        }
        #expect(seen == 1)
    }

    @Test func tnefAttachments() {
        let file = MessageEncoders.tnef([("first.exe", Self.payload), ("second.txt", Array("hello".utf8))])
        var members: [ArchiveMember] = []
        file.withUnsafeBytes {
            TNEF.forEachAttachment(in: $0, maximumSize: 1 << 20) {
                members.append($0)
                return true
            }
        }
        #expect(members.map(\.name) == ["first.exe", "second.txt"])
        #expect(members.map(\.data) == [Self.payload, Array("hello".utf8)])
        for cut in 0..<file.count {
            Array(file.prefix(cut)).withUnsafeBytes {
                TNEF.forEachAttachment(in: $0, maximumSize: 1 << 20) { _ in true }
            }
        }
        var capped: [ArchiveMember] = []
        file.withUnsafeBytes {
            TNEF.forEachAttachment(in: $0, maximumSize: 10) {
                capped.append($0)
                return true
            }
        }
        #expect(capped.first?.data == Array(Self.payload.prefix(10)) && capped.first?.truncated == true)
        var none = 0
        Array("not TNEF at all".utf8).withUnsafeBytes {
            TNEF.forEachAttachment(in: $0, maximumSize: 10) { _ in
                none += 1
                return true
            }
        }
        #expect(none == 0)
    }

    static func objects(_ bytes: [UInt8]) -> [ArchiveMember] {
        members(of: bytes) { RTF.forEachObject(in: $0, maximumSize: 1 << 20, $1) }
    }

    @Test func rtfEmbeddedObjects() {
        let document = Array(MessageEncoders.rtf(packaging: Self.payload, name: "clam.exe").utf8)
        let members = Self.objects(document)
        #expect(members.map(\.name) == ["clam.exe"])
        #expect(members.first?.data == Self.payload)
        // Raw `\bin` bytes, and data that is no OLE object (given as decoded).
        let raw =
            Array(#"{\rtf1{\object{\*\objdata 4142{\*\ignored 43}\bin3 "#.utf8) + [0x7D, 0x00, 0xFF]
            + Array("44}}}".utf8)
        #expect(Self.objects(raw).map(\.data) == [[0x41, 0x42, 0x43, 0x7D, 0x00, 0xFF, 0x44]])
        #expect(Self.objects(Array(#"{\rtf1 \objdatax 41}"#.utf8)).isEmpty)
        for cut in stride(from: 0, to: document.count, by: 11) { _ = Self.objects(Array(document.prefix(cut))) }
        let lying = Array(#"{\objdata\bin99999999999999999999 12}"#.utf8)
        #expect(Self.objects(lying).count == 1)
    }

    @Test func htmlDataURLs() {
        let html = """
            <html><a href="data:application/octet-stream;base64,\(MessageEncoders.base64(Self.payload, lineLength: 1000))">x</a>
            <img src='DATA:text/plain,hello%20world%21'><p>data: no comma here
            """
        var members: [ArchiveMember] = []
        Array(html.utf8).withUnsafeBytes {
            DataURL.forEachURL(in: $0, maximumSize: 1 << 20) {
                members.append($0)
                return true
            }
        }
        #expect(members.map(\.data) == [Self.payload, Array("hello world!".utf8)])
        var capped: [ArchiveMember] = []
        Array(html.utf8).withUnsafeBytes {
            DataURL.forEachURL(in: $0, maximumSize: 5) {
                capped.append($0)
                return true
            }
        }
        #expect(capped.last?.data == Array("hello".utf8) && capped.last?.truncated == true)
    }
}
