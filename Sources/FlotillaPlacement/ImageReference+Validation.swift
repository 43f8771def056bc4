import Foundation

extension ImageReference {
    /// Why `image` is not a reference `distribution/reference.Parse` accepts (v0.6.0, the grammar Karmada's image
    /// overrider parses the current image with; KARMADA.md H.O2), with its error text; nil when it is one.
    public static func parseProblem(_ image: String) -> String? {
        guard !image.isEmpty else { return "repository name must have at least one component" }
        let range = NSRange(image.startIndex..., in: image)
        guard let match = referencePattern.firstMatch(in: image, range: range) else {
            let lower = image.lowercased()
            if referencePattern.firstMatch(in: lower, range: NSRange(lower.startIndex..., in: lower)) != nil {
                return "repository name must be lowercase"
            }
            return "invalid reference format"
        }
        if let name = Range(match.range(at: 1), in: image), image[name].count > 255 {
            return "repository name must not be more than 255 characters"
        }
        if let digestRange = Range(match.range(at: 3), in: image) {
            return digestProblem(String(image[digestRange]))
        }
        return nil
    }

    /// go-digest's checks of a digest the grammar matched.
    static func digestProblem(_ digest: String) -> String? {
        guard let colon = digest.firstIndex(of: ":") else { return "invalid checksum digest format" }
        let algorithm = String(digest[..<colon])
        let hex = digest[digest.index(after: colon)...]
        let lengths = ["sha256": 64, "sha384": 96, "sha512": 128]
        guard let length = lengths[algorithm] else {
            return algorithm == algorithm.lowercased() ? "unsupported digest algorithm" : "invalid checksum digest format"
        }
        guard hex.count == length else { return "invalid checksum digest length" }
        guard hex.allSatisfy({ $0.isNumber || ("a"..."f").contains($0) }) else { return "invalid checksum digest format" }
        return nil
    }

    /// `^(NAME)(?::(TAG))?(?:@(DIGEST))?$`.
    static let referencePattern: NSRegularExpression = {
        let component = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
        let host = "(?:\(component)(?:\\.\(component))*|\\[[a-fA-F0-9:]+\\])"
        let domain = "(?:\(host)(?::[0-9]+)?)"
        let pathComponent = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
        let path = "\(pathComponent)(?:/\(pathComponent))*"
        let name = "(?:\(domain)/)?\(path)"
        let tag = "[\\w][\\w.-]{0,127}"
        let digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
        // swiftlint:disable:next force_try
        return try! NSRegularExpression(pattern: "^(\(name))(?::(\(tag)))?(?:@(\(digest)))?$")
    }()
}
