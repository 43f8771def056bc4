import FlotillaKube
import FlotillaTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Child processes are started with posix_spawn, not Foundation's `Process` (whose `run` crashed the test process
/// intermittently on Linux, listing /proc/self/fd past glibc's buffer; seen in CI with ~1,350 descriptors open).
@Suite struct ChildProcessTests {
    @Test func exitStatusOutputDirectoryAndEnvironment() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spawn-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try runProcess(URL(fileURLWithPath: "/bin/sh"),
                                    ["-c", "pwd; printf %s \"$GREETING\"; echo oops >&2; exit 7"],
                                    in: folder, environment: ["GREETING": "hello", "PATH": "/usr/bin:/bin"])
        #expect(result.status == 7)
        #expect(result.output == folder.resolvingSymlinksInPath().path + "\nhello")
        #expect(result.errors == "oops\n")
    }

    @Test func aSignalIsReportedAs128PlusIt() throws {
        let child = try ChildProcess("/bin/sleep", ["30"])
        #expect(child.isRunning)
        child.signal(SIGKILL)
        #expect(child.wait() == 128 + SIGKILL)
        #expect(!child.isRunning && child.wait() == 128 + SIGKILL)
    }

    @Test func aMissingProgramIsAnError() {
        #expect(throws: SpawnError.self) { try ChildProcess("/nonexistent/program", []) }
    }

    @Test func manyDescriptorsOpenAreNeitherInheritedNorACrash() throws {
        // Hundreds of descriptors open (as the suite has, with simulators and watches running), then many children.
        let opened = (0..<400).map { _ in open("/dev/null", O_RDONLY) }
        defer { opened.forEach { close($0) } }
        #expect(opened.allSatisfy { $0 >= 0 })
        for _ in 0..<50 {
            let result = try runProcess(URL(fileURLWithPath: "/bin/ls"), ["/proc/self/fd"])
            #expect(result.status == 0)
            // Standard input, output, error and the directory ls reads: nothing of ours leaks into the child.
            let descriptors = result.output.split(separator: "\n").compactMap { Int($0) }
            #expect(descriptors.allSatisfy { $0 <= 3 }, "inherited: \(descriptors.filter { $0 > 3 })")
        }
    }
}
