import FlotillaKube
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Waits for a child and returns its exit status (see `reapedExitStatus`).
public func exitStatus(of process: Process) -> Int32 {
    reapedExitStatus(of: process)
}

/// What a finished command printed, and its exit status.
public struct CommandResult: Sendable {
    public var status: Int32
    public var output: String
    public var errors: String
}

/// Runs a program to completion with its output captured.
public func runProcess(_ executable: URL, _ arguments: [String], in directory: URL? = nil,
                       environment: [String: String]? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if let environment { process.environment = environment }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    return CommandResult(status: exitStatus(of: process), output: String(decoding: out, as: UTF8.self),
                         errors: String(decoding: err, as: UTF8.self))
}
