import CSpawn
import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Why a child process could not be started.
public struct SpawnError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// A child process started with `posix_spawn` (see `flotilla_spawn`: Foundation's `Process.run` crashes
/// intermittently on Linux). Its standard streams are descriptors the caller chose (nil: /dev/null), every other
/// descriptor is closed in it, and it runs in a process group of its own. Reaped with `waitpid` exactly once.
public final class ChildProcess: Sendable {
    /// The child's pid.
    public let processIdentifier: pid_t
    /// The exit status once reaped: the exit code, or 128 + the signal that ended it.
    private let reaped = Mutex<Int32?>(nil)

    /// Starts `executable` (searched on PATH when it holds no '/') with `arguments`; `environment` nil passes ours.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                directory: String? = nil, standardInput: Int32? = nil, standardOutput: Int32? = nil,
                standardError: Int32? = nil) throws(SpawnError) {
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let pairs = (environment ?? ProcessInfo.processInfo.environment).sorted { $0.key < $1.key }
        let envp: [UnsafeMutablePointer<CChar>?] = pairs.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let code = flotilla_spawn(&pid, executable, argv, envp, directory, standardInput ?? -1, standardOutput ?? -1,
                                  standardError ?? -1)
        guard code == 0 else {
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(code)))")
        }
        processIdentifier = pid
    }

    /// A pipe whose ends are closed in children (a child gets an end only as one of its standard streams).
    public static func pipe() throws(SpawnError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard flotilla_pipe(&fds) == 0 else {
            throw SpawnError(description: "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        return (fds[0], fds[1])
    }

    /// Whether the child has not ended yet (reaps it when it has).
    public var isRunning: Bool {
        if reaped.withLock({ $0 }) != nil { return false }
        var status: Int32 = 0
        let result = waitpid(processIdentifier, &status, WNOHANG)
        if result == processIdentifier {
            record(status)
            return false
        }
        return result == 0
    }

    /// Sends `signal` to the child unless it was reaped already.
    public func signal(_ signal: Int32) {
        guard reaped.withLock({ $0 }) == nil else { return }
        kill(processIdentifier, signal)
    }

    /// Waits for the child to end and returns its exit status (128 + the signal when a signal ended it).
    @discardableResult
    public func wait() -> Int32 {
        while true {
            if let status = reaped.withLock({ $0 }) { return status }
            var status: Int32 = 0
            let result = waitpid(processIdentifier, &status, 0)
            if result == processIdentifier {
                record(status)
            } else if result == -1 && errno == EINTR {
                continue
            } else if reaped.withLock({ $0 }) == nil {
                // Reaped by another waiter that has not recorded it yet.
                usleep(1000)
            }
        }
    }

    private func record(_ status: Int32) {
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        reaped.withLock { if $0 == nil { $0 = code } }
    }

    /// Reads `fd` to its end on another thread and closes it; `collected` waits for the bytes.
    public static func drain(_ fd: Int32) -> Drained {
        let drained = Drained()
        DispatchQueue.global().async {
            var data = Data()
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count > 0 {
                    data.append(contentsOf: buffer[0..<count])
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            close(fd)
            drained.finish(data)
        }
        return drained
    }

    /// The bytes of a stream read to its end.
    public final class Drained: Sendable {
        private let data = Mutex<Data?>(nil)
        private let done = DispatchSemaphore(value: 0)

        fileprivate func finish(_ bytes: Data) {
            data.withLock { $0 = bytes }
            done.signal()
        }

        /// Waits for the end of the stream, at most `timeout` seconds (nil: forever); nil when it did not end.
        public func collected(timeout: Double? = nil) -> Data? {
            if let value = data.withLock({ $0 }) { return value }
            if let timeout {
                guard done.wait(timeout: .now() + timeout) == .success else { return nil }
            } else {
                done.wait()
            }
            done.signal()
            return data.withLock { $0 }
        }
    }
}
