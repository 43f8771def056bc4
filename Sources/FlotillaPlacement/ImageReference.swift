/// A container image reference split as Karmada's `imageparser` splits it (`distribution/reference.Parse`, with no
/// docker.io normalisation: `nginx` has no host, `docker.io/library/nginx` has one).
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    public var hostname: String
    public var repository: String
    public var tag: String
    public var digest: String

    public init(hostname: String = "", repository: String = "", tag: String = "", digest: String = "") {
        self.hostname = hostname
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// Parses `image`. When it has both a tag and a digest, only the tag is kept, as Karmada does.
    public init(parsing image: String) {
        var rest = Substring(image)
        var digest = ""
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
        }
        var tag = ""
        let lastSlash = rest.lastIndex(of: "/")
        if let colon = rest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        let (hostname, repository) = ImageReference.splitHostname(String(rest))
        self.init(hostname: hostname, repository: repository, tag: tag, digest: tag.isEmpty ? digest : "")
    }

    /// The part before the first `/` is a host only when it holds `.` or `:`, or is `localhost`.
    public static func splitHostname(_ name: String) -> (hostname: String, repository: String) {
        guard let slash = name.firstIndex(of: "/") else { return ("", name) }
        let first = name[..<slash]
        if first.contains(".") || first.contains(":") || first == "localhost" {
            return (String(first), String(name[name.index(after: slash)...]))
        }
        return ("", name)
    }

    /// `[host/]repository` then `:tag`, or `@digest` when there is no tag.
    public var description: String {
        var text = hostname.isEmpty ? repository : "\(hostname)/\(repository)"
        if !tag.isEmpty {
            text += ":\(tag)"
        } else if !digest.isEmpty {
            text += "@\(digest)"
        }
        return text
    }

    /// Karmada's `SetTagOrDigest`: a valid tag becomes the tag (clearing the digest), a valid digest becomes the
    /// digest (clearing the tag), anything else changes nothing.
    public mutating func setTagOrDigest(_ value: String) {
        if ImageReference.isTag(value) {
            tag = value
            digest = ""
        } else if ImageReference.isDigest(value) {
            digest = value
            tag = ""
        }
    }

    /// Removes the tag if there is one, else the digest.
    public mutating func removeTagOrDigest() {
        if !tag.isEmpty { tag = "" } else { digest = "" }
    }

    /// The tag or, without one, the digest.
    public var tagOrDigest: String { tag.isEmpty ? digest : tag }

    /// `^[\w][\w.-]{0,127}$`
    static func isTag(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard let first = bytes.first, bytes.count <= 128 else { return false }
        func word(_ byte: UInt8) -> Bool {
            (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || (byte >= 48 && byte <= 57) || byte == 95
        }
        return word(first) && bytes.dropFirst().allSatisfy { word($0) || $0 == 46 || $0 == 45 }
    }

    /// `^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$`
    static func isDigest(_ value: String) -> Bool {
        guard let colon = value.firstIndex(of: ":") else { return false }
        let algorithm = value[..<colon]
        let hex = value[value.index(after: colon)...]
        guard hex.count >= 32, hex.allSatisfy(\.isHexDigit) else { return false }
        var expectLetter = true
        for character in algorithm {
            if expectLetter {
                guard character.isASCII, character.isLetter else { return false }
                expectLetter = false
            } else if "-_+.".contains(character) {
                expectLetter = true
            } else if !(character.isASCII && (character.isLetter || character.isNumber)) {
                return false
            }
        }
        return !algorithm.isEmpty && !expectLetter
    }
}
