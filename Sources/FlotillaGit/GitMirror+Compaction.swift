import CGit2
import Foundation

/// Keeping the mirror from growing without bound. libgit2 writes a pack per fetch and a loose object per blob,
/// tree and commit a status push makes, and has no `git gc`: when the packs or loose objects pass a bound, every
/// object reachable from a ref is written into one new pack (libgit2's pack builder), then the old packs and loose
/// objects are removed (what nothing references goes with them) and the repository is opened again.
extension GitMirror {
    /// The mirror's packs and loose objects, as counted from its folders.
    public struct Footprint: Sendable, Equatable {
        public var packs: Int
        public var looseObjects: Int
    }

    var objectsDirectory: String { (directory as NSString).appendingPathComponent("objects") }

    /// Counts packs and loose objects.
    public func footprint() -> Footprint {
        let files = FileManager.default
        let packs = ((try? files.contentsOfDirectory(atPath: objectsDirectory + "/pack")) ?? [])
            .filter { $0.hasSuffix(".pack") }.count
        var loose = 0
        for folder in Self.looseFolders(in: objectsDirectory) {
            loose += ((try? files.contentsOfDirectory(atPath: folder)) ?? []).count
        }
        return Footprint(packs: packs, looseObjects: loose)
    }

    /// The `objects/xx` folders of loose objects.
    static func looseFolders(in objects: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: objects)) ?? [])
            .filter { $0.count == 2 && $0.allSatisfy(\.isHexDigit) }.sorted().map { "\(objects)/\($0)" }
    }

    /// Compacts when there are more than `maxPacks` packs or `maxLooseObjects` loose objects; returns whether it did.
    @discardableResult
    public func compactIfNeeded(maxPacks: Int = 32, maxLooseObjects: Int = 4096) throws(GitError) -> Bool {
        let now = footprint()
        guard now.packs > maxPacks || now.looseObjects > maxLooseObjects else { return false }
        try compact()
        return true
    }

    /// Writes every object reachable from a ref into one pack, removes the other packs and the loose objects, and
    /// opens the repository again. Nothing is removed before the new pack is complete.
    public func compact() throws(GitError) {
        func failure(_ step: String, _ code: Int32) -> GitError {
            .libgit2(operation: "compacting the mirror (\(step))", code: code, message: GitLibrary.lastErrorMessage())
        }
        var builderPointer: OpaquePointer?
        var code = git_packbuilder_new(&builderPointer, repository.pointer)
        guard code == 0, let builder = builderPointer else { throw failure("pack builder", code) }
        defer { git_packbuilder_free(builder) }
        // Every commit reachable from any ref, with its trees and blobs.
        var walkPointer: OpaquePointer?
        code = git_revwalk_new(&walkPointer, repository.pointer)
        guard code == 0, let walk = walkPointer else { throw failure("walk", code) }
        defer { git_revwalk_free(walk) }
        code = git_revwalk_push_glob(walk, "*")
        guard code == 0 || code == GIT_ENOTFOUND.rawValue else { throw failure("refs", code) }
        code = git_packbuilder_insert_walk(builder, walk)
        guard code == 0 else { throw failure("history", code) }
        // Annotated tags are objects of their own: each, with what it points to.
        for target in try referenceTargets() {
            var oid = target
            code = git_packbuilder_insert_recur(builder, &oid, nil)
            guard code == 0 else { throw failure("tags", code) }
        }
        let packFolder = objectsDirectory + "/pack"
        code = git_packbuilder_write(builder, packFolder, 0, nil, nil)
        guard code == 0, let name = git_packbuilder_name(builder).map({ String(cString: $0) }) else {
            throw failure("writing the pack", code)
        }
        let kept = "pack-\(name)"
        let files = FileManager.default
        for file in (try? files.contentsOfDirectory(atPath: packFolder)) ?? []
        where file.hasPrefix("pack-") && !file.hasPrefix(kept + ".") {
            try? files.removeItem(atPath: "\(packFolder)/\(file)")
        }
        for folder in Self.looseFolders(in: objectsDirectory) { try? files.removeItem(atPath: folder) }
        var reopened: OpaquePointer?
        code = git_repository_open_bare(&reopened, directory)
        guard code == 0, let reopened else { throw failure("reopening", code) }
        repository = GitHandle(reopened, free: git_repository_free)
    }

    /// The object each ref points to (tags included, unpeeled).
    private func referenceTargets() throws(GitError) -> [git_oid] {
        var iteratorPointer: OpaquePointer?
        guard git_reference_iterator_new(&iteratorPointer, repository.pointer) == 0, let iterator = iteratorPointer else {
            throw .libgit2(operation: "listing refs", code: -1, message: GitLibrary.lastErrorMessage())
        }
        defer { git_reference_iterator_free(iterator) }
        var targets: [git_oid] = []
        var reference: OpaquePointer?
        while git_reference_next(&reference, iterator) == 0, let current = reference {
            if let target = git_reference_target(current) { targets.append(target.pointee) }
            git_reference_free(current)
            reference = nil
        }
        return targets
    }
}
