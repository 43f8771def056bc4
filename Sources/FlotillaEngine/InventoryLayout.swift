import FlotillaModel

/// How a cluster's inventory is laid out over ConfigMaps, so none nears the API server's 1 MiB limit: shard 0 is
/// `<instance>-inventory` and records the shard count (`data.shards`), shards 1… are `<instance>-inventory-<n>`. A key
/// goes to the shard its identity hashes to (FNV-1a, stable across processes and versions: an apiVersion change stays
/// in its shard). The count doubles when a shard would pass `linesPerShard`, and never shrinks. Pure: texts in and out.
public enum InventoryLayout {
    /// At most this many keys per ConfigMap (a line is ~40–120 bytes: at most ~500 KB per shard).
    public static let linesPerShard = 4_000

    /// The ConfigMap of shard `index`.
    public static func name(base: String, shard index: Int) -> String { index == 0 ? base : "\(base)-\(index)" }

    /// The shard of a key among `count`.
    public static func shard(of key: ObjectKey, count: Int) -> Int {
        guard count > 1 else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(key.group)/\(key.kind)/\(key.namespace ?? "")/\(key.name)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(count))
    }

    /// The shard count for `keys`, starting from the current one.
    public static func shardCount(for keys: Set<ObjectKey>, current: Int) -> Int {
        var count = max(1, current)
        while true {
            var sizes = [Int](repeating: 0, count: count)
            for key in keys { sizes[shard(of: key, count: count)] += 1 }
            if sizes.allSatisfy({ $0 <= linesPerShard }) { return count }
            count *= 2
        }
    }

    /// Each shard's `data.objects` text (sorted lines), for `count` shards.
    public static func texts(_ keys: Set<ObjectKey>, count: Int) -> [String] {
        var lines = [[String]](repeating: [], count: count)
        for key in keys { lines[shard(of: key, count: count)].append(key.inventoryLine) }
        return lines.map { $0.sorted().joined(separator: "\n") }
    }

    /// The keys of a shard's text.
    public static func keys(_ text: String) -> [ObjectKey] {
        text.split(separator: "\n").compactMap(ObjectKey.init(inventoryLine:))
    }

    /// The order to write changed shards in so that a crash between two writes never hides a key: shards beyond the
    /// old count first, then shard 0 (which records the new count), then the others.
    public static func writeOrder(changed: [Int], oldCount: Int) -> [Int] {
        changed.filter { $0 >= oldCount }.sorted() + changed.filter { $0 == 0 }
            + changed.filter { $0 > 0 && $0 < oldCount }.sorted()
    }
}
