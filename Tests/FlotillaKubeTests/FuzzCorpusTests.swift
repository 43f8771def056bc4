import FlotillaKube
import FlotillaModel
import Foundation
import Testing

/// The fuzzing corpora (`make fuzz`, `Fuzz/`) replayed: every input libFuzzer kept for new coverage, and every input
/// that once crashed, goes through the same parsers as in the fuzz targets, and each must end with a value or an
/// error. A crash found by fuzzing becomes a file here (`regression-*`).
@Suite struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzCorpus")

    static func inputs(_ target: String) -> [(String, Data)] {
        let folder = root.appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().compactMap { name in
            FileManager.default.contents(atPath: folder.appendingPathComponent(name).path).map { (name, $0) }
        }
    }

    @Test(arguments: ["manifests", "json", "quantity", "watch"])
    func everyCorpusInputEndsWithAValueOrAnError(target: String) {
        let inputs = Self.inputs(target)
        #expect(inputs.count >= 20, "the \(target) corpus is missing")
        for (_, bytes) in inputs {
            switch target {
            case "manifests":
                let manifests = ManifestLoader.load(files: [ManifestFile(path: "fuzz.yaml", contents: bytes)])
                #expect(manifests.fileCount == 1)
            case "json":
                _ = try? JSONValue.parse(bytes)
                _ = ManifestLoader.load(files: [ManifestFile(path: "fuzz.json", contents: bytes)])
            case "quantity":
                let quantity = Quantity(String(decoding: bytes, as: UTF8.self))
                _ = quantity.milliValue
                _ = quantity.amount(for: "memory")
            default:
                var decoder = WatchDecoder()
                let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
                _ = decoder.feed(bytes.prefix(cut))
                _ = decoder.feed(bytes.dropFirst(cut))
            }
        }
    }

    /// Found by fuzzing: YAML 1.1's base-60 integers made Yams trap on overflow. Kubernetes' YAML reads them as
    /// strings, and so does Flotilla now.
    @Test func baseSixtyNumbersAreStringsAsKubernetesReadsThem() throws {
        let (_, bytes) = try #require(Self.inputs("manifests").first { $0.0 == "regression-sexagesimal-overflow.yaml" })
        let manifests = ManifestLoader.load(files: [ManifestFile(path: "cm.yaml", contents: bytes)])
        #expect(manifests.errors.isEmpty)
        let data = manifests.templates.first?.content["data"]
        #expect(data?["a"] == .string("99999999999999999999:59:59"))
        #expect(data?["b"] == .string("22:22"))
    }
}
