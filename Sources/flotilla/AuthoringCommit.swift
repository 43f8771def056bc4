import ArgumentParser
import FlotillaAuthoring
import FlotillaDiff
import FlotillaEngine
import FlotillaGit
import FlotillaModel
import FlotillaPlacement
import Foundation

/// How `import`, `clone` and `migrate` commit: the branch, whether to push it, the author.
struct BranchOptions: ParsableArguments {
    @Option(help: "The branch to make (default: flotilla/<command>/<name>). It must not exist yet.")
    var branch: String?

    @Flag(help: "Push the branch to the remote (for a folder: to its repository's origin).")
    var push = false

    @Option(help: "The commit's author, `Name <email>`.")
    var author: String = "Flotilla <flotilla@localhost>"

    @Option(name: .customLong("prune-guard"),
            help: "The daemon's prune guard in percent: a cluster the change empties or deletes more than this of gets a Flotilla-Allow-Prune trailer.")
    var pruneGuard: Double = 50
}

/// The repository an authoring command commits to: the one holding the source folder, or the remote's mirror.
enum AuthoringRepository {
    case local(GitMirror, subPath: String)
    case remote(GitSource, path: String)

    static func open(_ options: SourceOptions) throws -> AuthoringRepository {
        let path = options.path.split(separator: "/").joined(separator: "/")
        if let url = options.gitURL {
            return .remote(try GitSource(url: url, credentials: try options.credentials(),
                                         cacheRoot: options.cacheRoot, timeout: .seconds(options.gitTimeout),
                                         logger: options.logger("flotilla.git")), path: path)
        }
        do {
            let (repository, subPath) = try GitMirror.enclosing(options.source ?? ".")
            return .local(repository, subPath: [subPath, path].filter { !$0.isEmpty }.joined(separator: "/"))
        } catch {
            throw CommandError("the source must be in a Git repository (or give --repo): the change is a commit")
        }
    }

    /// The path of the source folder inside the repository (files are written under it).
    var prefix: String {
        switch self {
        case .local(_, let subPath): return subPath.isEmpty ? "" : subPath + "/"
        case .remote(_, let path): return path.isEmpty ? "" : path + "/"
        }
    }

    /// The commit the branch starts from: HEAD of a local repository, the ref (or default branch) of a remote.
    func base(ref: String?) async throws -> String {
        switch self {
        case .local(let repository, _): return try repository.resolveLocal(ref ?? "HEAD")
        case .remote(let source, _):
            return try await source.run("fetch") { mirror throws(GitError) in
                try mirror.fetch()
                return try mirror.resolve(ref)
            }
        }
    }

    func commit(_ request: GitCommitRequest, base: String, replacing: Bool) async throws -> String {
        switch self {
        case .local(let repository, _): return try repository.commitBranch(request, base: base, replacing: replacing)
        case .remote(let source, _):
            return try await source.run("commit") { mirror throws(GitError) in
                try mirror.commitBranch(request, base: base, replacing: replacing)
            }
        }
    }

    func manifests(at commit: String) async throws -> Manifests {
        let files: [GitFile]
        switch self {
        case .local(let repository, let subPath):
            files = try repository.readFiles(commit: commit, path: subPath, include: ManifestLoader.isManifestPath)
        case .remote(let source, let path):
            files = try await source.run("read") { mirror throws(GitError) in
                try mirror.readFiles(commit: commit, path: path, include: ManifestLoader.isManifestPath)
            }
        }
        return ManifestLoader.load(files: files.map { ManifestFile(path: $0.path, contents: $0.contents) })
    }

    func delete(_ branch: String) async throws {
        switch self {
        case .local(let repository, _): try repository.deleteBranch(branch)
        case .remote(let source, _):
            try await source.run("delete") { mirror throws(GitError) in try mirror.deleteBranch(branch) }
        }
    }

    /// Makes the lightweight tag `name` on `commit` and pushes it (to the local repository's origin).
    func pushTag(_ name: String, commit: String, credentials: GitCredentials) async throws {
        switch self {
        case .local(let repository, _):
            try repository.createTag(name, commit: commit)
            try repository.origin(credentials: credentials).pushTag(name)
        case .remote(let source, _):
            try await source.run("tag") { mirror throws(GitError) in
                try mirror.createTag(name, commit: commit)
                try mirror.pushTag(name)
            }
        }
    }

    /// The full commit id `revision` (a commit id or a prefix of one, a branch, a tag) names.
    func resolve(_ revision: String) async throws -> String {
        switch self {
        case .local(let repository, _): return try repository.resolveLocal(revision)
        case .remote(let source, _):
            return try await source.run("fetch") { mirror throws(GitError) in
                try mirror.fetch()
                return try mirror.resolve(revision)
            }
        }
    }

    func push(_ branch: String, credentials: GitCredentials) async throws {
        switch self {
        case .local(let repository, _): try repository.origin(credentials: credentials).pushBranch(branch)
        case .remote(let source, _):
            try await source.run("push") { mirror throws(GitError) in try mirror.pushBranch(branch) }
        }
    }
}

/// Commits an authored change on a new branch, names the clusters whose prune guard it would trip in a
/// `Flotilla-Allow-Prune` trailer, pushes it when asked, and prints what it did and the `plan --base` delta.
enum AuthoringCommit {
    static func run(_ change: AuthoredChange, branch defaultBranch: String, options: BranchOptions,
                    source: SourceOptions, inputs inputOptions: PlanInputOptions) async throws {
        for warning in change.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        let repository = try AuthoringRepository.open(source)
        let branch = options.branch ?? defaultBranch
        guard let author = GitSignature(parsing: options.author) else {
            throw CommandError("--author must be `Name <email>`")
        }
        let base = try await repository.base(ref: source.gitURL == nil ? nil : source.ref)
        let files = Dictionary(uniqueKeysWithValues: change.files.map {
            (repository.prefix + $0.key, Data($0.value.utf8))
        })
        var request = GitCommitRequest(branch: branch, files: files, message: change.message(), author: author)
        var commit = try await repository.commit(request, base: base, replacing: false)

        // What the daemon would do: the base planned as it recorded, the head from the base's placement.
        let inputs = try await inputOptions.inputs(source)
        let baseManifests = try await repository.manifests(at: base)
        let headManifests = try await repository.manifests(at: commit)
        guard headManifests.isValid else {
            // Nothing is left behind: the branch goes, the source is as it was.
            try await repository.delete(branch)
            throw CommandError("the change does not validate (no branch made): "
                               + headManifests.errors.map(\.description).joined(separator: "; "))
        }
        let label = source.gitURL ?? (source.source ?? ".")
        let (_, changes) = inputs.delta(base: baseManifests, baseRevision: base, head: headManifests,
                                        headRevision: commit, source: "\(label)@\(commit)")
        let held = PruneGuardCheck.warnings(changes, guardPercent: options.pruneGuard,
                                            trailer: PruneAllowance.line(for:), allowed: { _ in false })
        if !held.isEmpty {
            // The commit says the deletions are meant: the daemon lets them through (reviewed like everything else).
            let clusters = held.map(\.cluster).sorted()
            request.message = change.message(trailers: [PruneAllowance.line(for: clusters.joined(separator: ", "))])
            commit = try await repository.commit(request, base: base, replacing: true)
        }
        var out = "Committed \(commit.prefix(12)) on branch \(branch) (from \(base.prefix(12))): \(change.subject)\n"
        for line in change.body { out += "  \(line)\n" }
        if !held.isEmpty {
            let clusters = held.map(\.cluster).sorted().joined(separator: ", ")
            out += "  The commit carries `\(PruneAllowance.line(for: clusters))`: without it the daemon's prune guard "
                + "would hold the deletions on \(clusters).\n"
        }
        if options.push {
            try await repository.push(branch, credentials: try source.credentials())
            out += "Pushed \(branch).\n"
        } else {
            out += "Not pushed: review it with `git log -p \(branch)`, then push it (or run again with --push).\n"
        }
        print(out + ChangeRendering.text(changes, base: String(base.prefix(12))), terminator: "")
    }
}
