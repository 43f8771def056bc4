import FlotillaAutoscaling
import Testing

/// Cases of the Kubernetes HPA's `replica_calculator_test.go` (Apache-2.0, the Kubernetes authors), which Karmada's
/// FederatedHPA lifts with the algorithm, and of the HPA documentation's formula.
@Suite struct ReplicaCalculatorTests {
    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var current: Int32
        var target: Int32
        var usage: [Int64?]
        var ready: [Bool]
        var expected: Int32
        var utilization: Int32
    }

    static let utilizationCases: [Case] = [
        Case(description: "scale up", current: 3, target: 30, usage: [300, 500, 700], ready: [true, true, true],
             expected: 5, utilization: 50),
        Case(description: "scale down", current: 5, target: 50, usage: [100, 300, 500, 250, 250],
             ready: [true, true, true, true, true], expected: 3, utilization: 28),
        Case(description: "scale up with an unready pod (less scale)", current: 3, target: 30, usage: [300, 500, 700],
             ready: [false, true, true], expected: 4, utilization: 60),
        Case(description: "scale up with unready pods turning the direction (no scale)", current: 3, target: 30,
             usage: [400, 500, 700], ready: [true, false, false], expected: 3, utilization: 40),
        Case(description: "scale down excluding unready pods", current: 5, target: 50, usage: [100, 300, 500, 250, 250],
             ready: [false, false, true, true, true], expected: 2, utilization: 33),
        Case(description: "within tolerance", current: 3, target: 50, usage: [520, 530, 510], ready: [true, true, true],
             expected: 3, utilization: 52),
        Case(description: "missing metrics on a scale-down count as the full request", current: 4, target: 50,
             usage: [100, 100, 100, nil], ready: [true, true, true, true], expected: 3, utilization: 10),
        Case(description: "missing metrics on a scale-up count as nothing", current: 4, target: 50,
             usage: [900, 900, 900, nil], ready: [true, true, true, true], expected: 6, utilization: 90),
    ]

    @Test(arguments: utilizationCases)
    func utilization(_ test: Case) throws {
        let pods = test.usage.indices.map { index in
            PodUsage(name: "pod-\(index)", ready: test.ready[index], usage: test.usage[index], request: 1000)
        }
        let result = try ReplicaCalculator.utilization(current: test.current, targetUtilization: test.target, pods: pods,
                                                       resource: "cpu", tolerance: 0.1)
        #expect(result.replicas == test.expected)
        #expect(result.utilization == test.utilization)
    }

    @Test func averageValueDoublesAndHalves() throws {
        // The documentation's examples: 200m against a target of 100m doubles, 50m halves.
        let hot = (0..<2).map { PodUsage(name: "p\($0)", usage: 200, request: nil) }
        #expect(try ReplicaCalculator.averageValue(current: 2, targetAverage: 100, pods: hot, resource: "cpu",
                                                   tolerance: 0.1).replicas == 4)
        let cold = (0..<4).map { PodUsage(name: "p\($0)", usage: 50, request: nil) }
        #expect(try ReplicaCalculator.averageValue(current: 4, targetAverage: 100, pods: cold, resource: "cpu",
                                                   tolerance: 0.1).replicas == 2)
    }

    @Test func pendingAndTerminatingPods() throws {
        let pods = [PodUsage(name: "a", usage: 900, request: 1000), PodUsage(name: "b", usage: 900, request: 1000),
                    PodUsage(name: "c", phase: .pending, ready: false, usage: nil, request: 1000),
                    PodUsage(name: "d", phase: .terminating, usage: 10, request: 1000)]
        // Pending counts as unready (0 on the scale-up), terminating is ignored: (900+900+0)/3000 = 60% of 50%.
        let result = try ReplicaCalculator.utilization(current: 3, targetUtilization: 50, pods: pods, resource: "cpu",
                                                       tolerance: 0.1)
        #expect(result.replicas == 4)
        #expect(result.utilization == 90)
    }

    @Test func errors() {
        #expect(throws: AutoscalingError.noPods) {
            try ReplicaCalculator.utilization(current: 1, targetUtilization: 50, pods: [], resource: "cpu", tolerance: 0.1)
        }
        #expect(throws: AutoscalingError.missingRequest(resource: "cpu")) {
            try ReplicaCalculator.utilization(current: 1, targetUtilization: 50,
                                              pods: [PodUsage(name: "a", usage: 1, request: nil)], resource: "cpu",
                                              tolerance: 0.1)
        }
        #expect(throws: AutoscalingError.noMetrics) {
            try ReplicaCalculator.utilization(current: 1, targetUtilization: 50,
                                              pods: [PodUsage(name: "a", usage: nil, request: 100)], resource: "cpu",
                                              tolerance: 0.1)
        }
    }
}
