import CFuzzer
import FlotillaKube
import FlotillaModel
import Foundation

/// `flotilla-fuzz TARGET [libFuzzer flags] [CORPUS...]`: runs one fuzz target under libFuzzer. The targets are
/// Flotilla's parsers of untrusted input; each must answer every input with a value or an error, never a crash, a
/// hang or unbounded memory.
let targets: [String: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt] = [
    "manifests": { data, size in
        // The YAML loader, the Karmada decoder and validator, quantity checks: a source file as a user commits it.
        let bytes = Data(UnsafeBufferPointer(start: data, count: size))
        _ = ManifestLoader.load(files: [ManifestFile(path: "fuzz.yaml", contents: bytes)])
        return 0
    },
    "json": { data, size in
        let bytes = Data(UnsafeBufferPointer(start: data, count: size))
        _ = try? JSONValue.parse(bytes)
        _ = ManifestLoader.load(files: [ManifestFile(path: "fuzz.json", contents: bytes)])
        return 0
    },
    "quantity": { data, size in
        let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
        let quantity = Quantity(text)
        _ = quantity.milliValue
        _ = quantity.amount(for: "cpu")
        _ = quantity.amount(for: "memory")
        return 0
    },
    "watch": { data, size in
        // A member cluster's watch stream, as bytes arrive (split at an arbitrary point).
        let bytes = Data(UnsafeBufferPointer(start: data, count: size))
        var decoder = WatchDecoder()
        let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        _ = decoder.feed(bytes.prefix(cut))
        _ = decoder.feed(bytes.dropFirst(cut))
        return 0
    },
]

var arguments = CommandLine.arguments
guard arguments.count >= 2, let target = targets[arguments[1]] else {
    let names = targets.keys.sorted().joined(separator: "|")
    FileHandle.standardError.write(Data("usage: flotilla-fuzz \(names) [libFuzzer flags] [corpus...]\n".utf8))
    exit(2)
}
arguments.remove(at: 1)
var argc = CInt(arguments.count)
var pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
let status = pointers.withUnsafeMutableBufferPointer { buffer -> CInt in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv, target)
}
exit(status)
