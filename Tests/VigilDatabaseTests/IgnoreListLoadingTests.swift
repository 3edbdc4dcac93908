import Testing
import VigilDatabase
import VigilTestSupport

/// Ignore lists apply as clamscan applies them: to the whole directory they sit in, and to later `-d` paths.
@Suite("Ignore lists while loading")
struct IgnoreListLoadingTests {
    let dir: TemporaryDirectory
    init() throws { dir = try TemporaryDirectory() }

    @Test func aDirectorysIgnoreListCoversAllItsFiles() throws {
        _ = try dir.write("db/a.ndb", text: "Keep:0:*:41424344\nDrop:0:*:45464748\n")
        _ = try dir.write("db/z.ign2", text: "Drop\n")
        #expect(try DatabaseLoader.load([dir.path + "/db"]).engine.signatureCount == 1)
    }

    @Test func anIgnoreListAppliesToLaterPathsOnly() throws {
        let ndb = try dir.write("a.ndb", text: "Keep:0:*:41424344\nDrop:0:*:45464748\n")
        let ign = try dir.write("b.ign2", text: "Drop\n")
        #expect(try DatabaseLoader.load([ndb, ign]).engine.signatureCount == 2)
        #expect(try DatabaseLoader.load([ign, ndb]).engine.signatureCount == 1)
    }
}
