import Foundation
import Testing
@testable import FlotillaGit

/// Real Git servers on loopback: `git daemon` (git://) and `git http-backend` behind lighttpd with basic auth.
@Suite(.serialized) struct GitServerTests {
    @Test func gitDaemonFetchIncrementalFetchAndPush() async throws {
        let repository = try TestRepository()
        let first = try repository.commit(["fleet/app.yaml": "a: 1"])
        let daemon = try startGitDaemon(root: repository.scratch.path)
        let cache = try ScratchFolder()
        let url = "git://127.0.0.1:\(daemon.port)/fleet.git"
        let source = try GitSource(url: url, cacheRoot: cache.path, timeout: .seconds(60))
        let snapshot = try await source.snapshot(ref: "main", path: "fleet")
        #expect(snapshot.commit == first)
        #expect(snapshot.files.map(\.path) == ["app.yaml"])
        let second = try repository.commit(["fleet/app.yaml": "a: 2"])
        let next = try await source.snapshot(ref: nil, path: "fleet")
        #expect(next.commit == second)
        #expect(String(data: next.files[0].contents, encoding: .utf8) == "a: 2")
        let pushed = try await source.commitAndPush(GitCommitRequest(
            branch: "flotilla/status", files: ["status/summary.md": Data("ok".utf8)], message: "status"))
        guard case .pushed(let commit, _) = pushed else {
            Issue.record("expected a push")
            return
        }
        #expect(try sh(["git", "--git-dir", repository.bare, "rev-parse", "refs/heads/flotilla/status"]) == commit)
    }

    @Test func smartHTTPWithBasicAuth() async throws {
        let repository = try TestRepository()
        let first = try repository.commit(["app.yaml": "a: 1"])
        let server = try startSmartHTTP(root: repository.scratch.path, scratch: repository.scratch,
                                        user: "alice", password: "wonderland")
        let cache = try ScratchFolder()
        let url = "http://127.0.0.1:\(server.port)/git/fleet.git"

        // No credentials: a typed authentication error, naming the URL.
        let anonymous = try GitSource(url: url, cacheRoot: cache.sub("anonymous"), timeout: .seconds(60))
        await #expect(throws: GitError.self) { _ = try await anonymous.snapshot(ref: nil, path: "") }
        do {
            _ = try await anonymous.snapshot(ref: nil, path: "")
        } catch {
            guard case .authenticationFailed(let shown, _) = error else {
                Issue.record("expected authenticationFailed, got \(error)")
                return
            }
            #expect(shown == url)
        }

        // Wrong password: an authentication error that does not show the password.
        let wrong = try GitSource(url: url, credentials: GitCredentials(username: "alice", password: "nope"),
                                  cacheRoot: cache.sub("wrong"), timeout: .seconds(60))
        do {
            _ = try await wrong.snapshot(ref: nil, path: "")
            Issue.record("a wrong password was accepted")
        } catch {
            guard case .authenticationFailed = error else {
                Issue.record("expected authenticationFailed, got \(error)")
                return
            }
            #expect(!"\(error)".contains("nope"))
        }

        // Credentials written into the URL work, and are neither shown nor stored in the mirror.
        let embedded = "http://alice:wonderland@127.0.0.1:\(server.port)/git/fleet.git"
        let source = try GitSource(url: embedded, cacheRoot: cache.sub("good"), timeout: .seconds(60))
        #expect(source.remote.url == url)
        let snapshot = try await source.snapshot(ref: nil, path: "")
        #expect(snapshot.commit == first)
        let mirrors = try FileManager.default.contentsOfDirectory(atPath: cache.sub("good"))
        for mirror in mirrors {
            let config = try String(contentsOfFile: cache.sub("good/\(mirror)/config"), encoding: .utf8)
            #expect(!config.contains("wonderland"))
        }

        // Push through smart HTTP with the password from credentials.
        let pusher = try GitSource(url: url, credentials: GitCredentials(username: "alice", password: "wonderland"),
                                   cacheRoot: cache.sub("push"), timeout: .seconds(60))
        let result = try await pusher.commitAndPush(GitCommitRequest(
            branch: "flotilla/status", files: ["status/summary.md": Data("ok".utf8)], message: "status"))
        guard case .pushed(let commit, 1) = result else {
            Issue.record("expected a push, got \(result)")
            return
        }
        #expect(try sh(["git", "--git-dir", repository.bare, "rev-parse", "refs/heads/flotilla/status"]) == commit)
    }
}

/// HTTPS with a private CA: refused without it (verification is on by default), accepted with `caBundlePath`.
/// libgit2 holds the CA bundle process-wide, so this suite checks the refusal before it sets the bundle.
@Suite(.serialized) struct GitHTTPSTests {
    @Test func verificationIsOnByDefaultAndACustomCABundleIsTrusted() async throws {
        let repository = try TestRepository()
        let first = try repository.commit(["app.yaml": "a: 1"])
        let (caFile, serverPEM) = try makeTestCertificates(scratch: repository.scratch)
        let server = try startSmartHTTP(root: repository.scratch.path, scratch: repository.scratch, user: "alice",
                                        password: "wonderland", tlsCertificate: serverPEM)
        let cache = try ScratchFolder()
        let url = "https://localhost:\(server.port)/git/fleet.git"
        let credentials = GitCredentials(username: "alice", password: "wonderland")

        let untrusted = try GitSource(url: url, credentials: credentials, cacheRoot: cache.sub("untrusted"),
                                      timeout: .seconds(60))
        do {
            _ = try await untrusted.snapshot(ref: nil, path: "")
            Issue.record("a certificate from an unknown CA was accepted")
        } catch {
            guard case .certificateRejected(let shown, _) = error else {
                Issue.record("expected certificateRejected, got \(error)")
                return
            }
            #expect(shown == url)
        }

        var withCA = credentials
        withCA.caBundlePath = caFile
        let trusted = try GitSource(url: url, credentials: withCA, cacheRoot: cache.sub("trusted"), timeout: .seconds(60))
        let snapshot = try await trusted.snapshot(ref: nil, path: "")
        #expect(snapshot.commit == first)
    }
}

/// SSH with a private key and a known_hosts file, against OpenSSH's sshd on loopback.
@Suite(.serialized)
struct GitSSHTests {
    @Test func sshWithKeyAndKnownHosts() async throws {
        let repository = try TestRepository()
        let first = try repository.commit(["app.yaml": "a: 1"])
        let (server, clientKey, knownHosts) = try startSSHD(scratch: repository.scratch)
        let user = String(cString: getpwuid(getuid())!.pointee.pw_name)
        let cache = try ScratchFolder()
        let url = "ssh://\(user)@127.0.0.1:\(server.port)\(repository.bare)"
        let credentials = GitCredentials(sshPrivateKeyPath: clientKey, sshPublicKeyPath: clientKey + ".pub",
                                         knownHostsPath: knownHosts)
        let source = try GitSource(url: url, credentials: credentials, cacheRoot: cache.sub("good"),
                                   timeout: .seconds(60))
        let snapshot = try await source.snapshot(ref: "main", path: "")
        #expect(snapshot.commit == first)
        let pushed = try await source.commitAndPush(GitCommitRequest(
            branch: "flotilla/status", files: ["status/summary.md": Data("ok".utf8)], message: "status"))
        guard case .pushed(let commit, 1) = pushed else {
            Issue.record("expected a push, got \(pushed)")
            return
        }
        #expect(try sh(["git", "--git-dir", repository.bare, "rev-parse", "refs/heads/flotilla/status"]) == commit)

        // A host key that is not in known_hosts is refused.
        let otherHosts = cache.sub("other_known_hosts")
        try "[127.0.0.1]:\(server.port) ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBA==\n"
            .write(toFile: otherHosts, atomically: true, encoding: .utf8)
        var untrusted = credentials
        untrusted.knownHostsPath = otherHosts
        let refused = try GitSource(url: url, credentials: untrusted, cacheRoot: cache.sub("refused"),
                                    timeout: .seconds(60))
        do {
            _ = try await refused.snapshot(ref: "main", path: "")
            Issue.record("an unknown host key was accepted")
        } catch {
            guard case .certificateRejected = error else {
                Issue.record("expected certificateRejected, got \(error)")
                return
            }
        }

        // A key the server does not know is an authentication failure.
        let strangerKey = cache.sub("stranger")
        try sh(["ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-m", "PEM", "-N", "", "-f", strangerKey])
        var stranger = credentials
        stranger.sshPrivateKeyPath = strangerKey
        stranger.sshPublicKeyPath = strangerKey + ".pub"
        let denied = try GitSource(url: url, credentials: stranger, cacheRoot: cache.sub("denied"),
                                   timeout: .seconds(60))
        do {
            _ = try await denied.snapshot(ref: "main", path: "")
            Issue.record("an unknown client key was accepted")
        } catch {
            guard case .authenticationFailed = error else {
                Issue.record("expected authenticationFailed, got \(error)")
                return
            }
        }
    }
}
