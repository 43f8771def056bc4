import ArgumentParser
import FlotillaEngine
import FlotillaGit
import FlotillaModel
import Foundation
import Logging

/// Where the desired state comes from, and how to authenticate to it.
struct SourceOptions: ParsableArguments {
    @Argument(help: "A folder, or a Git URL (file://, git://, https://, ssh://, user@host:path). Default: the current folder.")
    var source: String?

    @Option(name: .customLong("repo"), help: "Git URL of the source (instead of SOURCE).")
    var repo: String?

    @Option(help: "Branch, tag or commit to read (Git sources; default: the remote's default branch).")
    var ref: String?

    @Option(help: "Sub-path of the source to read.")
    var path: String = ""

    @Option(name: .customLong("git-username"), help: "User name for HTTPS.")
    var gitUsername: String?

    @Option(name: .customLong("git-password-file"), help: "File holding the HTTPS password.")
    var gitPasswordFile: String?

    @Option(name: .customLong("git-token-file"), help: "File holding an HTTPS token.")
    var gitTokenFile: String?

    @Option(name: .customLong("git-ssh-key"), help: "SSH private key file.")
    var gitSSHKey: String?

    @Option(name: .customLong("git-known-hosts"), help: "known_hosts file the SSH host key must be in.")
    var gitKnownHosts: String?

    @Option(name: .customLong("git-ca-file"), help: "CA bundle (PEM) for HTTPS.")
    var gitCAFile: String?

    @Option(name: .customLong("cache-dir"), help: "Where Git mirrors are kept (default: $XDG_CACHE_HOME/flotilla or ~/.cache/flotilla).")
    var cacheDirectory: String?

    @Option(name: .customLong("git-timeout"), help: "Seconds a Git network operation may take.")
    var gitTimeout: Int = 120

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "warning"

    /// A logger writing to standard error at the chosen level.
    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        return logger
    }

    /// The Git URL, or nil when the source is a folder.
    var gitURL: String? {
        if let repo { return repo }
        guard let source else { return nil }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue {
            // A bare repository folder is a Git source; any other folder is read as it is.
            let isBareRepository = FileManager.default.fileExists(atPath: source + "/HEAD")
                && FileManager.default.fileExists(atPath: source + "/objects")
            return isBareRepository ? source : nil
        }
        // Neither a folder nor URL-shaped (scheme://, user@host:path): a folder that does not exist.
        return source.contains(":") ? source : nil
    }

    func credentials() throws -> GitCredentials {
        var credentials = GitCredentials(username: gitUsername, sshPrivateKeyPath: gitSSHKey,
                                         knownHostsPath: gitKnownHosts, caBundlePath: gitCAFile)
        if let file = gitPasswordFile { credentials.password = try GitCredentials.readSecret(file: file) }
        if let file = gitTokenFile { credentials.token = try GitCredentials.readSecret(file: file) }
        return credentials.merged(with: .fromEnvironment())
    }

    var cacheRoot: String { cacheDirectory ?? DaemonOptions.defaultCacheRoot() }

    /// Reads the source: its manifests, a label for messages, the revision (nil for folders) and the prefix
    /// that makes the loader's relative file names useful to a person (`sample-repo/apps/web.yaml`).
    func load() async throws -> LoadedSource {
        if let url = gitURL {
            let source = try GitSource(url: url, credentials: try credentials(), cacheRoot: cacheRoot,
                                       timeout: .seconds(gitTimeout), logger: logger("flotilla.git"))
            let snapshot = try await source.snapshot(ref: ref, path: path, include: ManifestLoader.isManifestPath)
            let prefix = path.isEmpty ? "" : path.split(separator: "/").joined(separator: "/") + "/"
            return LoadedSource(label: "\(source.remote) @ \(snapshot.commit.prefix(12))", revision: snapshot.commit,
                                manifests: snapshot.manifests, filePrefix: prefix, message: snapshot.message)
        }
        let folder = source ?? "."
        let root = path.isEmpty ? folder : "\(folder)/\(path)"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandError("no such folder: \(root)")
        }
        let prefix = root == "." ? "" : (root.hasSuffix("/") ? root : root + "/")
        // A folder's files are its working tree; the message is that of the commit checked out, when there is one.
        let message = (try? GitMirror.enclosing(folder)).flatMap { repository, _ in
            (try? repository.resolveLocal("HEAD")).map { repository.message(commit: $0) }
        }
        return LoadedSource(label: root, revision: nil, manifests: ManifestLoader.load(directory: root),
                            filePrefix: prefix, message: message)
    }
}

extension SourceOptions {
    /// Reads another revision of the same source: for a Git URL, a branch, tag or commit of the remote; for a folder,
    /// a revision of the Git repository that contains it (`main`, `origin/main`, `HEAD~1`, a commit id).
    func loadBase(_ ref: String) async throws -> LoadedSource {
        if let url = gitURL {
            let source = try GitSource(url: url, credentials: try credentials(), cacheRoot: cacheRoot,
                                       timeout: .seconds(gitTimeout), logger: logger("flotilla.git"))
            let snapshot = try await source.snapshot(ref: ref, path: path, include: ManifestLoader.isManifestPath)
            return LoadedSource(label: ref, revision: snapshot.commit,
                                manifests: snapshot.manifests, filePrefix: "")
        }
        let folder = source ?? "."
        let (repository, subPath) = try GitMirror.enclosing(folder)
        let commit = try repository.resolveLocal(ref)
        let inside = [subPath, path].filter { !$0.isEmpty }.joined(separator: "/")
        let files = try repository.readFiles(commit: commit, path: inside, include: ManifestLoader.isManifestPath)
        return LoadedSource(label: ref, revision: commit,
                            manifests: ManifestLoader.load(files: files.map { ManifestFile(path: $0.path, contents: $0.contents) }),
                            filePrefix: "")
    }
}

extension SourceOptions {
    /// `[SOURCE] KIND/NAME` (explain, import, clone, migrate): with one positional argument it is KIND/NAME and the
    /// source is the current folder. The source options to read, and the kind and name.
    func splitting(_ target: String?, example: String = "Deployment/web") throws
        -> (source: SourceOptions, kind: String, name: String) {
        var options = self
        var wanted = target
        if wanted == nil {
            wanted = options.source
            options.source = nil
        }
        guard let wanted, let slash = wanted.firstIndex(of: "/"), slash != wanted.startIndex,
              wanted.index(after: slash) != wanted.endIndex else {
            throw CommandError("name it as KIND/NAME, for example \(example)")
        }
        return (options, String(wanted[..<slash]), String(wanted[wanted.index(after: slash)...]))
    }
}

/// A source that has been read.
struct LoadedSource {
    var label: String
    var revision: String?
    var manifests: Manifests
    var filePrefix: String
    /// The message of the commit read (a folder: of the commit checked out), nil when there is none.
    var message: String?

    /// An error as `file:line: message`, the file shown from where the user stands.
    func render(_ error: ManifestError) -> String {
        let prefix = filePrefix
        return error.mapFiles { prefix + $0 }.description
    }
}

/// A command-line error with a message for a person.
struct CommandError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}

/// A template named on the command line, as `explain`, `clone` and `migrate` take it: SOURCE, then KIND/NAME, and its
/// namespace.
struct TemplateArguments: ParsableArguments {
    @OptionGroup var sourceOptions: SourceOptions

    @Argument(help: "KIND/NAME of the template (when SOURCE is given before it).")
    var target: String?

    @Option(name: [.short, .customLong("namespace")],
            help: "The template's namespace (default: the only one that has it).")
    var namespace: String?

    /// The source without the KIND/NAME, and the kind and name.
    func split() throws -> (source: SourceOptions, kind: String, name: String) {
        try sourceOptions.splitting(target)
    }
}
