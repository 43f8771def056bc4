import FlotillaTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A scratch folder removed when the test ends.
final class ScratchFolder {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-git-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func sub(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

struct CommandFailed: Error, CustomStringConvertible {
    var description: String
}

/// Runs a command to completion and returns its standard output; throws with its standard error on failure.
@discardableResult
func sh(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws -> String {
    var merged = ProcessInfo.processInfo.environment
    merged["GIT_AUTHOR_NAME"] = "Test"
    merged["GIT_AUTHOR_EMAIL"] = "test@example.com"
    merged["GIT_COMMITTER_NAME"] = "Test"
    merged["GIT_COMMITTER_EMAIL"] = "test@example.com"
    merged["GIT_TERMINAL_PROMPT"] = "0"
    for (key, value) in environment { merged[key] = value }
    let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), arguments,
                                in: directory.map { URL(fileURLWithPath: $0) }, environment: merged)
    guard result.status == 0 else {
        throw CommandFailed(description: "\(arguments.joined(separator: " ")) failed: \(result.errors)")
    }
    return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A bare repository with a work-tree clone to make commits in, both driven by the git command line (so the
/// repository under test is made by real Git, not by the code under test).
final class TestRepository {
    let scratch: ScratchFolder
    let bare: String
    let work: String

    init(name: String = "fleet.git") throws {
        scratch = try ScratchFolder()
        bare = scratch.sub(name)
        work = scratch.sub("work")
        try sh(["git", "init", "-q", "--bare", "-b", "main", bare])
        try sh(["git", "clone", "-q", bare, work])
        try sh(["git", "checkout", "-q", "-b", "main"], in: work)
    }

    /// Writes files and commits and pushes them to `branch`; returns the new commit id.
    @discardableResult
    func commit(_ files: [String: String], message: String = "change", branch: String = "main") throws -> String {
        for (path, text) in files {
            let url = URL(fileURLWithPath: work).appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try sh(["git", "add", "-A"], in: work)
        try sh(["git", "commit", "-q", "-m", message], in: work)
        try sh(["git", "push", "-q", "origin", "HEAD:refs/heads/\(branch)"], in: work)
        return try sh(["git", "rev-parse", "HEAD"], in: work)
    }

    func tag(_ name: String) throws {
        try sh(["git", "tag", "-a", name, "-m", name], in: work)
        try sh(["git", "push", "-q", "origin", name], in: work)
    }
}

/// `git daemon` serving a folder of bare repositories over git://, with push enabled.
func startGitDaemon(root: String) throws -> ServerProcess {
    let port = freePort()
    let execPath = try sh(["git", "--exec-path"])
    return try ServerProcess(["\(execPath)/git-daemon", "--reuseaddr", "--export-all", "--enable=receive-pack",
                              "--listen=127.0.0.1", "--port=\(port)", "--base-path=\(root)", root], port: port)
}

/// lighttpd running `git http-backend` (smart HTTP) behind basic auth for `user`/`password`.
func startSmartHTTP(root: String, scratch: ScratchFolder, user: String, password: String,
                    tlsCertificate: String? = nil) throws -> ServerProcess {
    let port = freePort()
    let users = scratch.sub("lighttpd-users")
    try "\(user):\(password)\n".write(toFile: users, atomically: true, encoding: .utf8)
    let config = """
    server.document-root = "\(root)"
    server.port = \(port)
    server.bind = "127.0.0.1"
    server.errorlog = "\(scratch.sub("lighttpd-error.log"))"
    server.modules = ("mod_alias", "mod_auth", "mod_authn_file", "mod_cgi", "mod_setenv")
    alias.url = ("/git" => "/usr/lib/git-core/git-http-backend")
    $HTTP["url"] =~ "^/git" {
        cgi.assign = ("" => "")
        setenv.add-environment = ("GIT_PROJECT_ROOT" => "\(root)", "GIT_HTTP_EXPORT_ALL" => "1")
    }
    auth.backend = "plain"
    auth.backend.plain.userfile = "\(users)"
    auth.require = ("/git" => ("method" => "basic", "realm" => "git", "require" => "valid-user"))
    """ + (tlsCertificate.map { pem in
        "\nserver.modules += (\"mod_openssl\")\nssl.engine = \"enable\"\nssl.pemfile = \"\(pem)\"\n"
    } ?? "")
    let configPath = scratch.sub("lighttpd.conf")
    try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    let binary = ["/usr/sbin/lighttpd", "/usr/bin/lighttpd"].first { FileManager.default.fileExists(atPath: $0) }
        ?? "lighttpd"
    return try ServerProcess([binary, "-D", "-f", configPath], port: port)
}

/// A TCP server that accepts connections and never answers: a stalled Git server.
final class SilentServer {
    let fd: Int32
    let port: Int

    init() throws {
        (fd, port) = bindLoopbackSocket()
        guard listen(fd, 8) == 0 else { throw CommandFailed(description: "listen failed") }
    }

    deinit { close(fd) }
}

/// OpenSSH's sshd on a loopback port, accepting one ECDSA client key (libssh2 1.10 speaks ECDSA, not
/// rsa-sha2 or Ed25519), for the user running the tests. Returns the server, the client key and a known_hosts
/// file holding the server's host key.
func startSSHD(scratch: ScratchFolder) throws -> (server: ServerProcess, clientKey: String, knownHosts: String) {
    let port = freePort()
    let hostKey = scratch.sub("ssh_host_ecdsa_key")
    let clientKey = scratch.sub("client_ecdsa")
    try sh(["ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-m", "PEM", "-N", "", "-f", hostKey])
    try sh(["ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-m", "PEM", "-N", "", "-f", clientKey])
    let authorized = scratch.sub("authorized_keys")
    try FileManager.default.copyItem(atPath: clientKey + ".pub", toPath: authorized)
    let hostPublic = try String(contentsOfFile: hostKey + ".pub", encoding: .utf8).split(separator: " ")
    let knownHosts = scratch.sub("known_hosts")
    try "[127.0.0.1]:\(port) \(hostPublic[0]) \(hostPublic[1])\n".write(toFile: knownHosts, atomically: true,
                                                                         encoding: .utf8)
    let config = """
    Port \(port)
    ListenAddress 127.0.0.1
    HostKey \(hostKey)
    PidFile \(scratch.sub("sshd.pid"))
    AuthorizedKeysFile \(authorized)
    PasswordAuthentication no
    KbdInteractiveAuthentication no
    PubkeyAuthentication yes
    PermitRootLogin prohibit-password
    StrictModes no
    UsePAM no
    PubkeyAcceptedAlgorithms +ecdsa-sha2-nistp256
    SetEnv PATH=\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    """
    let configPath = scratch.sub("sshd_config")
    try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
    let server = try ServerProcess(["/usr/sbin/sshd", "-D", "-e", "-f", configPath], port: port)
    return (server, clientKey, knownHosts)
}

/// A throwaway CA and a server certificate for 127.0.0.1 signed by it, made with the openssl command line.
/// Returns the CA certificate file and the server's PEM (certificate and key) for lighttpd.
func makeTestCertificates(scratch: ScratchFolder) throws -> (caFile: String, serverPEM: String) {
    let ca = scratch.sub("ca")
    let server = scratch.sub("server")
    try sh(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca + ".key", "-out", ca + ".crt",
            "-days", "2", "-subj", "/CN=Flotilla Test CA"])
    try sh(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", server + ".key", "-out", server + ".csr",
            "-subj", "/CN=localhost"])
    // mbedTLS (libgit2's TLS on Debian) checks DNS names only, so the tests connect to "localhost".
    let extensions = "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
    try extensions.write(toFile: server + ".ext", atomically: true, encoding: .utf8)
    try sh(["openssl", "x509", "-req", "-in", server + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
            "-CAcreateserial", "-out", server + ".crt", "-days", "2", "-extfile", server + ".ext"])
    let pem = try String(contentsOfFile: server + ".crt", encoding: .utf8)
        + String(contentsOfFile: server + ".key", encoding: .utf8)
    try pem.write(toFile: server + ".pem", atomically: true, encoding: .utf8)
    return (ca + ".crt", server + ".pem")
}
