import FlotillaKube
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A server that did not come up.
public struct ServerStartFailed: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
}

/// A TCP socket bound to a port of 127.0.0.1 the kernel picks, and that port.
public func bindLoopbackSocket() -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// A free TCP port on 127.0.0.1, chosen at run time.
public func freePort() -> Int {
    freePorts(1)[0]
}

/// Distinct free ports: each stays bound until all are chosen, since a port closed first may be handed out again.
public func freePorts(_ count: Int) -> [Int] {
    let bound = (0..<count).map { _ in bindLoopbackSocket() }
    for (fd, _) in bound { close(fd) }
    return bound.map(\.1)
}

/// Whether something accepts connections on 127.0.0.1:port.
public func isListening(_ port: Int) -> Bool {
    withLoopbackSocket(port) { connect($0, $1, $2) } == 0
}

/// Runs `call` (connect, bind) on a new TCP socket with the address 127.0.0.1:port; the socket is closed after.
func withLoopbackSocket(_ port: Int, _ call: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            call(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
}

/// A server process started for a test and always stopped when it ends.
public final class ServerProcess {
    public let process: ChildProcess
    public let port: Int
    /// The log file's descriptor, closed with the server.
    private let log: Int32?

    public init(_ arguments: [String], port: Int, environment: [String: String] = [:], logFile: String? = nil) throws {
        self.port = port
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let log = logFile.map { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }.flatMap { $0 >= 0 ? $0 : nil }
        self.log = log
        process = try ChildProcess("/usr/bin/env", arguments, environment: merged, standardOutput: log,
                                   standardError: log)
        let deadline = Date().addingTimeInterval(10)
        while !isListening(port) {
            guard Date() < deadline, process.isRunning else {
                process.signal(SIGKILL)
                process.wait()
                throw ServerStartFailed(description: "\(arguments.first ?? "server") did not start on port \(port)")
            }
            usleep(50_000)
        }
    }

    deinit {
        if process.isRunning {
            process.signal(SIGKILL)
        }
        process.wait()
        if let log { close(log) }
    }
}

/// Polls `condition` until it holds (true) or `timeout` seconds pass (false). A throwing check counts as not yet.
public func waitUntil(timeout: Double, every interval: Double = 0.05, _ condition: () throws -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if (try? condition()) == true { return true }
        usleep(useconds_t(interval * 1_000_000))
    }
    return false
}

/// Whether 127.0.0.1:port can be bound now.
public func canBind(_ port: Int) -> Bool {
    withLoopbackSocket(port) { bind($0, $1, $2) } == 0
}

/// The first of `count` consecutive free ports (for a program that derives its ports from one, as `flotilla up`).
public func freeConsecutivePorts(_ count: Int) -> Int {
    for _ in 0..<200 {
        let base = freePort()
        if base + count < 65_536, (base..<base + count).allSatisfy(canBind) { return base }
    }
    return freePort()
}
