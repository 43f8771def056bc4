/// Bounds on what one source may make the loader do, so a hostile commit cannot exhaust memory or time: the size of
/// a file and of a whole revision, and how many values one document may expand to (a "billion laughs" alias bomb
/// is a few hundred bytes that expand to billions). Exceeding one is a validation error naming the file, the line
/// and the limit; the revision in force stays.
public struct ManifestLimits: Sendable, Hashable {
    /// The largest manifest file, in bytes (the Kubernetes API server takes at most 3 MiB per request).
    public var fileBytes: Int
    /// All manifest files of a revision together, in bytes.
    public var revisionBytes: Int
    /// Values (scalars, mappings, sequences) one document may hold once its aliases are expanded.
    public var documentNodes: Int

    public init(fileBytes: Int = 8 << 20, revisionBytes: Int = 512 << 20, documentNodes: Int = 1_000_000) {
        self.fileBytes = fileBytes
        self.revisionBytes = revisionBytes
        self.documentNodes = documentNodes
    }

    /// The defaults: 8 MiB per file, 512 MiB per revision, a million values per document.
    public static let standard = ManifestLimits()
}
