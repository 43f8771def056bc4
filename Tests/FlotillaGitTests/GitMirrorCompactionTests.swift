import Foundation
import Testing
@testable import FlotillaGit

/// The mirror does not grow without bound: packs from many fetches and loose objects from status pushes are
/// compacted into one pack, and everything a ref reaches (history, annotated tags, the status branch) still reads.
@Suite(.serialized) struct GitMirrorCompactionTests {
    @Test func manyFetchesAndPushesAreCompactedIntoOnePackAndEverythingStillReads() throws {
        let repository = try TestRepository()
        let first = try repository.commit(["apps/web.yaml": "kind: Deployment\nmetadata: {name: web}\n"])
        try repository.tag("v1")
        let cache = try ScratchFolder()
        let mirror = try GitMirror(url: repository.bare, cacheRoot: cache.path)
        try mirror.fetch()
        var last = first
        for index in 0..<6 {
            last = try repository.commit(["apps/web.yaml": "kind: Deployment\nmetadata: {name: web-\(index)}\n"])
            try mirror.fetch()
        }
        let author = GitSignature(name: "Flotilla", email: "bot@flotilla.dev")
        for index in 0..<3 {
            let request = GitCommitRequest(branch: "flotilla/status",
                                           files: ["status/summary.md": Data("# \(index)\n".utf8)],
                                           replacing: ["status"], message: "status \(index)", author: author)
            _ = try mirror.commitAndPush(request)
        }
        let before = mirror.footprint()
        #expect(before.packs >= 4 && before.looseObjects > 0, "\(before)")
        // Under the bounds: nothing happens.
        #expect(try !mirror.compactIfNeeded(maxPacks: 100, maxLooseObjects: 100_000))
        #expect(mirror.footprint() == before)
        #expect(try mirror.compactIfNeeded(maxPacks: 2))
        let after = mirror.footprint()
        #expect(after == GitMirror.Footprint(packs: 1, looseObjects: 0), "\(after)")
        // Everything a ref reaches reads, from the same mirror object and from a new one.
        for reader in [mirror, try GitMirror(url: repository.bare, cacheRoot: cache.path)] {
            #expect(try reader.resolve("main") == last)
            #expect(try reader.resolve("v1") == first)
            let old = try reader.readFiles(commit: first, path: "apps")
            #expect(old.map { String(decoding: $0.contents, as: UTF8.self) } == ["kind: Deployment\nmetadata: {name: web}\n"])
            #expect(try reader.readFiles(commit: last, path: "apps").count == 1)
            #expect(reader.message(commit: try reader.resolve("refs/heads/flotilla/status")) == "status 2")
        }
        // And the mirror goes on working: a fetch, a push.
        let next = try repository.commit(["apps/web.yaml": "kind: Deployment\nmetadata: {name: next}\n"])
        try mirror.fetch()
        #expect(try mirror.resolve("main") == next)
        let request = GitCommitRequest(branch: "flotilla/status", files: ["status/summary.md": Data("# later\n".utf8)],
                                       replacing: ["status"], message: "status later", author: author)
        guard case .pushed = try mirror.commitAndPush(request) else {
            Issue.record("no push after the compaction")
            return
        }
        // Real Git finds the mirror sound.
        #expect(try sh(["git", "--git-dir", mirror.directory, "fsck", "--no-dangling"]).isEmpty)
    }
}
