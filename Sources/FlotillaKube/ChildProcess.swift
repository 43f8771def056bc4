import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Waits for a child process and returns its exit status (128 + the signal when a signal ended it), reaping it with
/// `waitpid`: Foundation's `waitUntilExit` on Linux was seen to miss the exit of children that end while other
/// children are started, leaving them zombies and the caller waiting forever.
public func reapedExitStatus(of process: Process) -> Int32 {
    var status: Int32 = 0
    while true {
        let result = waitpid(process.processIdentifier, &status, 0)
        if result == process.processIdentifier { break }
        if result == -1 && errno == EINTR { continue }
        process.waitUntilExit()
        return process.terminationStatus
    }
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}
