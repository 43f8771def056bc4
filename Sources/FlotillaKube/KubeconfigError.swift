/// What can be wrong with a kubeconfig or the credentials it points to. Messages name the context and the field;
/// they never include a token, a password or key material.
public enum KubeconfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file cannot be read or parsed.
    case unreadable(path: String, reason: String)
    /// No context of that name (or no current context when none was asked for).
    case contextNotFound(String)
    /// A field is missing or wrong: the context, the field path, and why.
    case invalidField(context: String, field: String, reason: String)
    /// An exec credential plugin failed.
    case execPluginFailed(context: String, command: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read kubeconfig \(path): \(reason)"
        case .contextNotFound(let name):
            return name.isEmpty ? "the kubeconfig has no current-context; name a context" : "context \"\(name)\" not found in the kubeconfig"
        case .invalidField(let context, let field, let reason): return "context \"\(context)\": \(field): \(reason)"
        case .execPluginFailed(let context, let command, let reason):
            return "context \"\(context)\": exec credential plugin \(command) failed: \(reason)"
        }
    }
}
