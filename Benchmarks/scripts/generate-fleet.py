#!/usr/bin/env python3
"""Writes a synthetic Flotilla source: N templates over M clusters, so N x M works.

Usage: generate-fleet.py N M OUT_DIR
Templates come in apps of three (a ConfigMap, a Deployment with six env entries, probes and requests, a Service),
in ten namespaces; the last app may be partial. Half the apps are Duplicated to every cluster, half Divided by
static weights over all clusters (enough replicas that every cluster gets some); every tenth app has an image
override for the clusters of one cloud. Deterministic: the same N and M give the same files.
"""
import os
import sys

def main():
    templates, m, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    n = (templates + 2) // 3
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
        kinds = min(3, templates - 3 * i)
        documents = f"""apiVersion: v1
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
  replicas: {2 * m + i % 4 if i % 2 else 2 + i % 4}
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
"""
        with open(f"{out}/apps/{name}.yaml", "w") as f:
            f.write("---\n".join(documents.split("---\n")[:kinds]))
        if i % 2 == 0:
            placement = f"""    clusterAffinity: {{labelSelector: {{matchLabels: {{env: prod}}}}}}
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
    - {{apiVersion: v1, kind: ConfigMap, name: {name}-config}}
    - {{apiVersion: apps/v1, kind: Deployment, name: {name}}}
    - {{apiVersion: v1, kind: Service, name: {name}}}
  placement:
{placement}
""")
            if i % 10 == 0 and kinds >= 2:
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
