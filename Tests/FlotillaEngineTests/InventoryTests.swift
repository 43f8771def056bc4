@testable import FlotillaEngine
import FlotillaKube
import FlotillaModel
import FlotillaSim
import Foundation
import Logging
import Testing

/// The inventory at scale, against the simulated cluster (which refuses ConfigMaps over 1 MiB, as a real server does).
@Suite struct InventoryTests {
    static func keys(_ count: Int, namespace: String = "team-with-a-rather-long-namespace-name") -> Set<ObjectKey> {
        Set((0..<count).map {
            ObjectKey(apiVersion: "apps/v1", kind: "Deployment", namespace: namespace,
                      name: "workload-with-a-realistically-long-name-\($0)")
        })
    }

    static func agent(instance: String = "flotilla") -> ClusterAgent {
        var settings = AgentSettings()
        settings.instance = instance
        return ClusterAgent(name: "member", dial: nil, settings: settings, logger: Logger(label: "test"),
                            onChange: { _, _ in }, onRequest: { _, _, _ in }, onDrift: { _, _ in })
    }

    static func client() throws -> KubeClient {
        let client = KubeClient(transport: InProcessTransport(cluster: SimCluster(name: "member")))
        _ = try client.apply(.object(["apiVersion": .string("v1"), "kind": .string("Namespace"),
                                      "metadata": .object(["name": .string("flotilla-system")])]),
                             fieldManager: "test", force: true)
        return client
    }

    @Test func twentyThousandObjectsOnOneClusterFitInShardsBelowTheLimit() throws {
        let client = try Self.client()
        let writer = Self.agent()
        let many = Self.keys(20_000)
        // One ConfigMap of these would be far over 1 MiB: the server would refuse it.
        #expect(many.map(\.inventoryLine).joined(separator: "\n").utf8.count > 1_048_576)
        try writer.writeInventory(many, client: client)
        let maps = try client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "flotilla-system", labelSelector: nil,
                                   pageSize: 500).items
        #expect(maps.count >= 5)
        for map in maps {
            let size = map.value(at: ["data", "objects"])?.stringValue?.utf8.count ?? 0
            #expect(size < 600_000, "\(map.value(at: ["metadata", "name"]) ?? .null)")
        }
        // A fresh reader (a restart) sees exactly what was written.
        #expect(try Self.agent().readInventory(client) == many)

        // One key more rewrites one shard, not all of them.
        let versions = { () throws -> [String: String] in
            var result: [String: String] = [:]
            for map in try client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "flotilla-system",
                                       labelSelector: nil, pageSize: 500).items {
                result[map.value(at: ["metadata", "name"])?.stringValue ?? ""] =
                    map.value(at: ["metadata", "resourceVersion"])?.stringValue
            }
            return result
        }
        let before = try versions()
        var more = many
        more.insert(ObjectKey(apiVersion: "v1", kind: "ConfigMap", namespace: "x", name: "one-more"))
        try writer.writeInventory(more, client: client)
        let after = try versions()
        #expect(after.filter { before[$0.key] != $0.value }.count == 1)
        #expect(try Self.agent().readInventory(client) == more)
    }

    @Test func anInventoryWrittenBeforeShardingIsReadAndGrownInPlace() throws {
        let client = try Self.client()
        // The single-ConfigMap form earlier versions wrote.
        let old = Self.keys(3)
        _ = try client.apply(.object([
            "apiVersion": .string("v1"), "kind": .string("ConfigMap"),
            "metadata": .object(["name": .string("flotilla-inventory"), "namespace": .string("flotilla-system")]),
            "data": .object(["objects": .string(old.map(\.inventoryLine).sorted().joined(separator: "\n"))]),
        ]), fieldManager: "flotilla", force: true)
        let agent = Self.agent()
        #expect(try agent.readInventory(client) == old)
        let grown = old.union(Self.keys(9_000, namespace: "other"))
        try agent.writeInventory(grown, client: client)
        #expect(try Self.agent().readInventory(client) == grown)
    }

    @Test func eachInstanceHasItsOwnInventory() throws {
        let client = try Self.client()
        try Self.agent(instance: "team-a").writeInventory(Self.keys(2), client: client)
        try Self.agent(instance: "team-b").writeInventory(Self.keys(5), client: client)
        #expect(try Self.agent(instance: "team-a").readInventory(client).count == 2)
        #expect(try Self.agent(instance: "team-b").readInventory(client).count == 5)
        #expect(try Self.agent().readInventory(client).isEmpty)
    }

    @Test(arguments: [1, 2, 4, 8]) func shardsAreStableAndIgnoreTheVersion(count: Int) {
        let before = ObjectKey(apiVersion: "example.com/v1alpha1", kind: "Widget", namespace: "a", name: "w")
        let after = ObjectKey(apiVersion: "example.com/v1", kind: "Widget", namespace: "a", name: "w")
        #expect(InventoryLayout.shard(of: before, count: count) == InventoryLayout.shard(of: after, count: count))
        #expect((0..<count).contains(InventoryLayout.shard(of: before, count: count)))
    }

    @Test func growthWritesNewShardsThenTheHeadThenTheRest() {
        #expect(InventoryLayout.writeOrder(changed: [0, 1, 2, 3, 5], oldCount: 2) == [2, 3, 5, 0, 1])
        #expect(InventoryLayout.shardCount(for: Self.keys(100), current: 1) == 1)
        #expect(InventoryLayout.shardCount(for: Self.keys(20_000), current: 1) >= 8)
    }
}
