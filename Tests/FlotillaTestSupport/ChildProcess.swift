import FlotillaKube
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Waits for a child and returns its exit status (128 + the signal when a signal ended it).
public func exitStatus(of process: ChildProcess) -> Int32 {
    process.wait()
}

/// What a finished command printed, and its exit status.
public struct CommandResult: Sendable {
    public var status: Int32
    public var output: String
    public var errors: String
}

/// Runs a program to completion with its output captured (both streams read at once, so neither fills up).
public func runProcess(_ executable: URL, _ arguments: [String], in directory: URL? = nil,
                       environment: [String: String]? = nil) throws -> CommandResult {
    let output = try ChildProcess.pipe()
    let errors = try ChildProcess.pipe()
    let process: ChildProcess
    do {
        defer {
            close(output.write)
            close(errors.write)
        }
        process = try ChildProcess(executable.path, arguments, environment: environment, directory: directory?.path,
                                   standardOutput: output.write, standardError: errors.write)
    } catch {
        close(output.read)
        close(errors.read)
        throw error
    }
    let out = ChildProcess.drain(output.read)
    let err = ChildProcess.drain(errors.read)
    let outData = out.collected() ?? Data()
    let errData = err.collected() ?? Data()
    return CommandResult(status: process.wait(), output: String(decoding: outData, as: UTF8.self),
                         errors: String(decoding: errData, as: UTF8.self))
}
