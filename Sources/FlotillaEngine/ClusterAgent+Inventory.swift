import FlotillaKube
import FlotillaModel

extension ClusterAgent {
    /// Reads the inventory: shard 0, then the others it counts (a missing shard is empty).
    func readInventory(_ client: KubeClient) throws(KubeError) -> Set<ObjectKey> {
        var texts: [String] = []
        do throws(KubeError) {
            let head = try client.get(apiVersion: "v1", kind: "ConfigMap", namespace: Self.inventoryNamespace,
                                      name: settings.inventoryName)
            texts.append(head.value(at: ["data", "objects"])?.stringValue ?? "")
            let count = Int(head.value(at: ["data", "shards"])?.stringValue ?? "") ?? 1
            for index in 1..<max(1, count) {
                do throws(KubeError) {
                    let shard = try client.get(apiVersion: "v1", kind: "ConfigMap", namespace: Self.inventoryNamespace,
                                               name: InventoryLayout.name(base: settings.inventoryName, shard: index))
                    texts.append(shard.value(at: ["data", "objects"])?.stringValue ?? "")
                } catch {
                    guard case .notFound = error else { throw error }
                    texts.append("")
                }
            }
        } catch {
            guard case .notFound = error else { throw error }
        }
        state.withLock { $0.inventoryTexts = texts }
        return Set(texts.flatMap(InventoryLayout.keys))
    }

    /// Records `keys` as the inventory, writing only the shards whose content changed, in an order that never hides
    /// a key if the process stops between two writes.
    func writeInventory(_ keys: Set<ObjectKey>, client: KubeClient) throws(KubeError) {
        let old = state.withLock { $0.inventoryTexts }
        let count = InventoryLayout.shardCount(for: keys, current: old.count)
        let texts = InventoryLayout.texts(keys, count: count)
        var changed = texts.indices.filter { $0 >= old.count || old[$0] != texts[$0] }
        if count != old.count, !changed.contains(0) { changed.append(0) }
        for index in InventoryLayout.writeOrder(changed: changed, oldCount: old.count) {
            var data: [String: JSONValue] = ["objects": .string(texts[index])]
            if index == 0 { data["shards"] = .string(String(count)) }
            let object: JSONValue = .object([
                "apiVersion": .string("v1"), "kind": .string("ConfigMap"),
                "metadata": .object(["name": .string(InventoryLayout.name(base: settings.inventoryName, shard: index)),
                                     "namespace": .string(Self.inventoryNamespace),
                                     "labels": .object(["flotilla.dev/inventory": .string(settings.instance)])]),
                "data": .object(data),
            ])
            _ = try client.apply(object, fieldManager: settings.fieldManager, force: true)
            state.withLock { state in
                if state.inventoryTexts.count <= index {
                    state.inventoryTexts += [String](repeating: "", count: index + 1 - state.inventoryTexts.count)
                }
                state.inventoryTexts[index] = texts[index]
            }
        }
        state.withLock { state in
            state.inventoryTexts = texts
            state.inventory = keys
        }
    }
}
