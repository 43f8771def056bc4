#!/usr/bin/env python3
"""Writes a synthetic Flotilla source: N apps (Deployment + ConfigMap + Service each) over M clusters.

Usage: generate-fleet.py N M OUT_DIR
Half the apps are Duplicated to every cluster of a cloud, half Divided by static weights over all clusters;
every fifth app has an image override per cloud. Deterministic: the same N and M give the same files.
"""
import os
import sys

def main():
    n, m, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    os.makedirs(f"{out}/clusters", exist_ok=True)
    os.makedirs(f"{out}/apps", exist_ok=True)
    os.makedirs(f"{out}/policies", exist_ok=True)
    clouds = ["aws", "gcp"]
    for c in range(m):
        cloud = clouds[c % 2]
        with open(f"{out}/clusters/member{c:03d}.yaml", "w") as f:
            f.write(f"""apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata:
  name: member{c:03d}
  labels: {{cloud: {cloud}, env: prod}}
spec:
  syncMode: Push
  provider: {cloud}
""")
    with open(f"{out}/apps/namespaces.yaml", "w") as f:
        for ns in range(10):
            f.write(f"---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: team{ns}}}\n")
    for i in range(n):
        ns = f"team{i % 10}"
        name = f"app{i:05d}"
        env = "".join(f"\n                - {{name: SETTING_{k}, value: \"value-{k}-{i}\"}}" for k in range(6))
        with open(f"{out}/apps/{name}.yaml", "w") as f:
            f.write(f"""apiVersion: v1
kind: ConfigMap
metadata: {{name: {name}-config, namespace: {ns}, labels: {{app: {name}}}}}
data:
  settings.json: '{{"app": "{name}", "level": "info", "features": ["a", "b", "c"], "limit": {i}}}'
  motd: "Welcome to {name}"
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {ns}, labels: {{app: {name}, tier: backend}}}}
spec:
  replicas: {2 + i % 4}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}, tier: backend}}}}
    spec:
      containers:
        - name: main
          image: "registry.example.com/{name}:1.{i % 7}"
          ports: [{{containerPort: 8080, name: http}}]
          resources: {{requests: {{cpu: 10m, memory: 16Mi}}, limits: {{memory: 64Mi}}}}
          env:{env}
          readinessProbe: {{httpGet: {{path: /healthz, port: http}}, periodSeconds: 5}}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {ns}}}
spec:
  selector: {{app: {name}}}
  ports: [{{name: http, port: 80, targetPort: http}}]
""")
        if i % 2 == 0:
            placement = f"""    clusterAffinity: {{labelSelector: {{matchLabels: {{cloud: {clouds[(i // 2) % 2]}}}}}}}
    replicaScheduling: {{replicaSchedulingType: Duplicated}}"""
        else:
            weights = "".join(f"\n          - targetCluster: {{clusterNames: [member{c:03d}]}}\n            weight: {1 + c % 3}" for c in range(m))
            placement = f"""    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:{weights}"""
        with open(f"{out}/policies/{name}.yaml", "w") as f:
            f.write(f"""apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: {name}, namespace: {ns}}}
spec:
  resourceSelectors:
    - {{apiVersion: apps/v1, kind: Deployment, name: {name}}}
    - {{apiVersion: v1, kind: ConfigMap, name: {name}-config}}
    - {{apiVersion: v1, kind: Service, name: {name}}}
  placement:
{placement}
""")
            if i % 5 == 0:
                f.write(f"""---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {{name: {name}-registry, namespace: {ns}}}
spec:
  resourceSelectors:
    - {{apiVersion: apps/v1, kind: Deployment, name: {name}}}
  overrideRules:
    - targetCluster: {{labelSelector: {{matchLabels: {{cloud: gcp}}}}}}
      overriders:
        imageOverrider:
          - {{component: Registry, operator: replace, value: gcr.example.com}}
""")

main()
