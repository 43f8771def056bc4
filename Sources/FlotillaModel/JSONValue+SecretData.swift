import Foundation

extension JSONValue {
    /// A Secret as the API server keeps it: `stringData` (write-only) merged into `data` as base64, and removed.
    /// Any other object, or a Secret without `stringData`, is returned as it is.
    public func foldingSecretStringData() -> JSONValue {
        guard let plain = self["stringData"]?.objectValue else { return self }
        var result = self
        var data = result["data"]?.objectValue ?? [:]
        for (key, value) in plain { data[key] = .string(Data((value.stringValue ?? "").utf8).base64EncodedString()) }
        result["data"] = .object(data)
        result["stringData"] = nil
        return result
    }
}
