import Testing
@testable import FlotillaModel

@Suite struct KarmadaTypesTests {
    @Test func propagationPolicyDecodesEveryField() throws {
        let manifests = load(["pp.yaml": """
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: nginx, namespace: web}
            spec:
              resourceSelectors:
                - {apiVersion: apps/v1, kind: Deployment, name: nginx}
                - apiVersion: v1
                  kind: ConfigMap
                  labelSelector:
                    matchExpressions: [{key: app, operator: In, values: [nginx]}]
              association: false
              propagateDeps: true
              priority: 10
              preemption: Never
              dependentOverrides: [nginx-op]
              schedulerName: default-scheduler
              conflictResolution: Overwrite
              activationPreference: Lazy
              preserveResourcesOnDeletion: true
              suspension: {dispatching: false}
              schedulePriority: {priorityClassSource: KubePriorityClass, priorityClassName: high}
              failover:
                application:
                  decisionConditions: {tolerationSeconds: 120}
                  purgeMode: Gracefully
                  gracePeriodSeconds: 600
                  statePreservation:
                    rules: [{aliasLabelName: app.state, jsonPath: "{ .replicas }"}]
                cluster: {purgeMode: Directly}
              placement:
                clusterAffinity:
                  labelSelector: {matchLabels: {env: prod}}
                  fieldSelector:
                    matchExpressions: [{key: provider, operator: In, values: [huaweicloud]}]
                  clusterNames: [a, b]
                  exclude: [c]
                clusterTolerations:
                  - {key: dedicated, operator: Equal, value: test, effect: NoSchedule, tolerationSeconds: 30}
                spreadConstraints:
                  - {spreadByField: cluster, minGroups: 1, maxGroups: 2}
                  - {spreadByField: region, minGroups: 1, maxGroups: 1}
                replicaScheduling:
                  replicaSchedulingType: Divided
                  replicaDivisionPreference: Weighted
                  weightPreference:
                    staticWeightList:
                      - targetCluster: {clusterNames: [a]}
                        weight: 2
                    dynamicWeight: AvailableReplicas
                workloadAffinity:
                  affinity: {groupByLabelKey: app.group}
            """])
        #expect(manifests.errors.map(\.description) == [])
        let policy = try #require(manifests.propagationPolicies.first)
        #expect(policy.metadata.namespace == "web")
        // Karmada's webhook defaults a PP selector's namespace to the policy's.
        #expect(policy.spec.resourceSelectors.map(\.namespace) == ["web", "web"])
        #expect(policy.spec.priority == 10)
        #expect(policy.spec.propagatesDependencies)
        #expect(policy.spec.activationPreference == .lazy)
        #expect(policy.spec.failover?.application?.gracePeriodSeconds == 600)
        let placement = try #require(policy.spec.placement)
        #expect(placement.clusterAffinity?.fieldSelector?.matchExpressions?.first?.operator == .in)
        #expect(placement.clusterTolerations?.first?.effect == .noSchedule)
        #expect(placement.spreadConstraints?.map(\.spreadByField) == [.cluster, .region])
        #expect(placement.replicaScheduling?.weightPreference?.staticWeightList?.first?.weight == 2)
        #expect(placement.replicaScheduling?.weightPreference?.dynamicWeight == .availableReplicas)
        #expect(placement.workloadAffinity?.affinity?.groupByLabelKey == "app.group")
    }

    @Test func overridePoliciesDecodeEveryOverrider() throws {
        let manifests = load(["op.yaml": """
            apiVersion: policy.karmada.io/v1alpha1
            kind: ClusterOverridePolicy
            metadata: {name: all}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
              overrideRules:
                - targetCluster: {clusterNames: [a]}
                  overriders:
                    plaintext: [{path: /spec/replicas, operator: replace, value: 3}]
                    imageOverrider:
                      - {component: Registry, operator: replace, value: registry.example.com}
                      - {predicate: {path: /spec/template/spec/initContainers/0/image}, component: Tag, operator: replace, value: v2}
                    commandOverrider: [{containerName: app, operator: add, value: ["--debug"]}]
                    argsOverrider: [{containerName: app, operator: remove, value: ["--quiet"]}]
                    labelsOverrider: [{operator: add, value: {team: x}}]
                    annotationsOverrider: [{operator: remove, value: {note: ""}}]
                    fieldOverrider:
                      - fieldPath: /data/config.yaml
                        yaml: [{subPath: /db/host, operator: replace, value: db.internal}]
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: OverridePolicy
            metadata: {name: legacy, namespace: web}
            spec:
              targetCluster: {clusterNames: [b]}
              overriders:
                labelsOverrider: [{operator: add, value: {legacy: "true"}}]
            """])
        #expect(manifests.errors.map(\.description) == [])
        let cop = try #require(manifests.clusterOverridePolicies.first)
        let overriders = try #require(cop.spec.overrideRules?.first?.overriders)
        #expect(overriders.plaintext?.first?.value == .int(3))
        #expect(overriders.imageOverrider?.map(\.component) == [.registry, .tag])
        #expect(overriders.commandOverrider?.first?.value == ["--debug"])
        #expect(overriders.fieldOverrider?.first?.yaml?.first?.value == .string("db.internal"))
        // The deprecated targetCluster/overriders pair is one rule.
        let legacy = try #require(manifests.overridePolicies.first)
        #expect(legacy.spec.effectiveRules.count == 1)
        #expect(legacy.spec.effectiveRules.first?.targetCluster?.clusterNames == ["b"])
    }

    @Test func clusterAndFederatedHPADecode() throws {
        let manifests = load(["c.yaml": """
            apiVersion: cluster.karmada.io/v1alpha1
            kind: Cluster
            metadata: {name: member1, labels: {env: prod}}
            spec:
              syncMode: Push
              apiEndpoint: https://10.0.0.1:6443
              secretRef: {namespace: karmada-cluster, name: member1}
              provider: huaweicloud
              region: cn-east-3
              zones: [a, b]
              taints: [{key: maintenance, effect: NoExecute}]
              resourceModels:
                - grade: 0
                  ranges: [{name: cpu, min: "0", max: "4"}]
            status:
              kubernetesVersion: v1.31.0
              apiEnablements: [{groupVersion: apps/v1, resources: [{name: deployments, kind: Deployment}]}]
              resourceSummary:
                allocatable: {cpu: "32", memory: 128Gi, pods: 220}
            ---
            apiVersion: autoscaling.karmada.io/v1alpha1
            kind: FederatedHPA
            metadata: {name: web, namespace: shop}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
              maxReplicas: 10
              metrics:
                - type: Resource
                  resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
                - type: Pods
                  pods: {metric: {name: rps}, target: {type: AverageValue, averageValue: 100}}
            """])
        #expect(manifests.errors.map(\.description) == [])
        let cluster = try #require(manifests.clusters.first)
        #expect(cluster.spec.taints?.first?.effect == .noExecute)
        #expect(cluster.status?.resourceSummary?.allocatable?["pods"] == Quantity("220"))
        let hpa = try #require(manifests.federatedHPAs.first)
        #expect(hpa.spec.effectiveMinReplicas == 1)
        #expect(hpa.spec.metrics?.last?.pods?.target.averageValue == Quantity("100"))
    }

    static let policyHeader = """
        apiVersion: policy.karmada.io/v1alpha1
        kind: PropagationPolicy
        metadata: {name: p, namespace: web}

        """

    @Test(arguments: [
        ("spec:\n  resourceSelectors: [{apiVersion: v1, kind: Service}]\n  placment: {}\n",
         ["test.yaml:6: PropagationPolicy: unknown field \"spec.placment\""]),
        ("spec:\n  resourceSelectors:\n    - apiVersion: v1\n      kind: Service\n      nmae: x\n",
         ["test.yaml:8: PropagationPolicy: unknown field \"spec.resourceSelectors[0].nmae\""]),
        ("spec:\n  resourceSelectors: []\n",
         ["test.yaml:5: PropagationPolicy: invalid value at \"spec.resourceSelectors\": must select at least one resource"]),
        ("spec:\n  placement: {}\n",
         ["test.yaml:4: PropagationPolicy: missing required field \"spec.resourceSelectors\""]),
        ("spec:\n  resourceSelectors: [{apiVersion: v1, kind: Service}]\n  priority: high\n",
         ["test.yaml:6: PropagationPolicy: invalid value at \"spec.priority\": expected an integer"]),
        ("spec:\n  resourceSelectors: [{apiVersion: v1, kind: Service}]\n  placement:\n    replicaScheduling:\n      replicaSchedulingType: Spread\n",
         ["test.yaml:8: PropagationPolicy: invalid value at \"spec.placement.replicaScheduling.replicaSchedulingType\": unsupported value \"Spread\": must be one of \"Duplicated\", \"Divided\""]),
        ("spec:\n  resourceSelectors: [{apiVersion: v1, kind: Service, namespace: other}]\n",
         ["test.yaml:5: PropagationPolicy: invalid value at \"spec.resourceSelectors[0].namespace\": \"other\" differs from the policy's namespace \"web\": a namespaced policy selects its own namespace only"]),
        ("spec:\n  resourceSelectors: [{apiVersion: v1, kind: Service}]\n  placement:\n    spreadConstraints:\n      - {spreadByField: region, minGroups: 2, maxGroups: 1}\n",
         ["test.yaml:7: PropagationPolicy: invalid value at \"spec.placement.spreadConstraints\": the cluster spread constraint must be enabled in one of the constraints when another spreadByField is used",
          "test.yaml:8: PropagationPolicy: invalid value at \"spec.placement.spreadConstraints[0].maxGroups\": maxGroups lower than minGroups is not allowed"]),
        ("spec:\n  resourceSelectors: [{apiVersion: v1, kind: Service}]\n  placement:\n    clusterAffinity: {}\n    clusterAffinities: [{affinityName: a}]\n",
         ["test.yaml:8: PropagationPolicy: invalid value at \"spec.placement.clusterAffinities\": clusterAffinities cannot be used together with clusterAffinity"]),
        ("spec:\n  resourceSelectors: [{apiVersion: v1, kind: Service}]\n  placement:\n    clusterAffinity:\n      fieldSelector:\n        matchExpressions: [{key: metadata.name, operator: Exists}]\n",
         ["test.yaml:9: PropagationPolicy: invalid value at \"spec.placement.clusterAffinity.fieldSelector.matchExpressions[0].key\": unsupported key \"metadata.name\": must be one of \"provider\", \"region\", \"zone\"",
          "test.yaml:9: PropagationPolicy: invalid value at \"spec.placement.clusterAffinity.fieldSelector.matchExpressions[0].operator\": unsupported operator \"Exists\": must be one of \"In\", \"NotIn\""]),
        ("spec:\n  resourceSelectors: [{apiVersion: v1, kind: Service}]\n  placement:\n    clusterTolerations: [{key: a, operator: Lt}]\n",
         ["test.yaml:7: PropagationPolicy: invalid value at \"spec.placement.clusterTolerations[0].operator\": unsupported value \"Lt\": must be one of \"Exists\", \"Equal\""]),
        ("spec:\n  resourceSelectors: [{apiVersion: v1, kind: Service}]\n  placement:\n    replicaScheduling:\n      weightPreference:\n        staticWeightList: [{targetCluster: {}, weight: 0}]\n",
         ["test.yaml:9: PropagationPolicy: invalid value at \"spec.placement.replicaScheduling.weightPreference.staticWeightList[0].weight\": must be greater than or equal to 1"]),
        ("spec:\n  resourceSelectors: [{apiVersion: v1, kind: Service}]\n  failover: {application: {purgeMode: Directly, gracePeriodSeconds: 10}}\n",
         ["test.yaml:4: PropagationPolicy: invalid value at \"spec.propagateDeps\": application failover requires propagateDeps: true",
          "test.yaml:6: PropagationPolicy: invalid value at \"spec.failover.application.gracePeriodSeconds\": only allowed when purgeMode is Gracefully"]),
        ("spec:\n  propagateDeps: true\n  resourceSelectors: [{apiVersion: v1, kind: Service}]\n  failover:\n    application:\n      statePreservation: {rules: [{aliasLabelName: s, jsonPath: \"{..x}\"}]}\n",
         ["test.yaml:9: PropagationPolicy: invalid value at \"spec.failover.application.statePreservation.rules[0].jsonPath\": recursive descent is not supported in JSONPath {..x}"]),
        ("spec:\n  resourceSelectors: [{apiVersion: v1, kind: Service}]\nstatus: {x: 1}\n",
         ["test.yaml:6: PropagationPolicy: unknown field \"status\""]),
    ])
    func propagationPolicyErrors(body: String, expected: [String]) {
        #expect(errors(Self.policyHeader + body) == expected)
    }

    @Test(arguments: [
        ("apiVersion: policy.karmada.io/v1alpha1\nkind: OverridePolicy\nmetadata: {name: o}\nspec:\n  overrideRules:\n    - overriders:\n        plaintext: [{path: spec/replicas, operator: remove, value: 1}]\n",
         ["test.yaml:7: OverridePolicy: invalid value at \"spec.overrideRules[0].overriders.plaintext[0].path\": must be a JSON pointer starting with \"/\""]),
        ("apiVersion: policy.karmada.io/v1alpha1\nkind: OverridePolicy\nmetadata: {name: o}\nspec:\n  overrideRules:\n    - overriders:\n        imageOverrider: [{component: Digest, operator: add, value: x}]\n",
         ["test.yaml:7: OverridePolicy: invalid value at \"spec.overrideRules[0].overriders.imageOverrider[0].component\": unsupported value \"Digest\": must be one of \"Registry\", \"Repository\", \"Tag\""]),
        // Karmada accepts an empty `overriders: {}` beside the rules (its zero value); a non-empty one is refused.
        ("apiVersion: policy.karmada.io/v1alpha1\nkind: ClusterOverridePolicy\nmetadata: {name: o}\nspec:\n  overriders: {}\n  overrideRules: [{overriders: {}}]\n",
         []),
        ("apiVersion: policy.karmada.io/v1alpha1\nkind: ClusterOverridePolicy\nmetadata: {name: o}\nspec:\n  overriders: {plaintext: [{path: /a, operator: remove}]}\n  overrideRules: [{overriders: {}}]\n",
         ["test.yaml:6: ClusterOverridePolicy: invalid value at \"spec.overrideRules\": overrideRules cannot be used together with targetCluster or overriders"]),
        ("apiVersion: policy.karmada.io/v1alpha1\nkind: OverridePolicy\nmetadata: {name: o}\nspec:\n  overrideRules:\n    - overriders:\n        fieldOverrider: [{fieldPath: /data/x}]\n",
         ["test.yaml:7: OverridePolicy: invalid value at \"spec.overrideRules[0].overriders.fieldOverrider[0]\": exactly one of json and yaml must be set"]),
        ("apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: c}\nspec:\n  provider: aws\n",
         ["test.yaml:4: Cluster: missing required field \"spec.syncMode\""]),
        ("apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: c}\nspec:\n  syncMode: Push\n  zonez: [a]\n",
         ["test.yaml:6: Cluster: unknown field \"spec.zonez\""]),
        ("apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: c}\nspec:\n  syncMode: Push\n  taints: [{key: a, effect: Sometimes}]\n",
         ["test.yaml:6: Cluster: invalid value at \"spec.taints[0].effect\": unsupported value \"Sometimes\": must be one of \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""]),
        ("apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: this-cluster-name-is-far-too-long-for-karmada-to-accept}\nspec: {syncMode: Push}\n",
         ["test.yaml:3: invalid metadata.name \"this-cluster-name-is-far-too-long-for-karmada-to-accept\": must be no more than 48 characters"]),
        ("apiVersion: cluster.karmada.io/v1beta1\nkind: Cluster\nmetadata: {name: c}\nspec: {syncMode: Push}\n",
         ["test.yaml:1: Cluster: invalid value at \"apiVersion\": unsupported version \"cluster.karmada.io/v1beta1\": Flotilla reads cluster.karmada.io/v1alpha1"]),
        ("apiVersion: autoscaling.karmada.io/v1alpha1\nkind: FederatedHPA\nmetadata: {name: h}\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n  minReplicas: 5\n  maxReplicas: 2\n",
         ["test.yaml:7: FederatedHPA: invalid value at \"spec.maxReplicas\": must be greater than or equal to minReplicas (5)"]),
        ("apiVersion: autoscaling.karmada.io/v1alpha1\nkind: FederatedHPA\nmetadata: {name: h}\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n  maxReplicas: 2\n  metrics: [{type: Resource, resource: {name: cpu, target: {type: Percent}}}]\n",
         ["test.yaml:7: FederatedHPA: invalid value at \"spec.metrics[0].resource.target.type\": unsupported value \"Percent\": must be one of \"Utilization\", \"Value\", \"AverageValue\""]),
    ])
    func otherKarmadaKindErrors(text: String, expected: [String]) {
        #expect(errors(text) == expected)
    }

    @Test func invalidKarmadaObjectsAreNotKept() {
        let manifests = load(["x.yaml": Self.policyHeader + "spec:\n  resourceSelectors: []\n"])
        #expect(manifests.propagationPolicies.isEmpty)
        #expect(manifests.templates.isEmpty)
    }
}
