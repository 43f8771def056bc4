"""Failover and autoscaling scenarios of bench.py: a small fleet of Divided workloads on simulated clusters whose
faults and load are switched through the simulator's admin endpoint."""
import json, os, shutil, subprocess, time, urllib.request

CLUSTER = "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {{name: {name}}}\nspec: {{syncMode: Push}}\n"

WORKLOAD = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: bench}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec: {{containers: [{{name: app, image: "registry.example.com/{name}:1", resources: {{requests: {{cpu: 100m}}}}}}]}}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: {name}, namespace: bench}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment, name: {name}}}]
  placement:
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference: {{dynamicWeight: AvailableReplicas}}
"""

AUTOSCALER = """---
apiVersion: autoscaling.karmada.io/v1alpha1
kind: FederatedHPA
metadata: {{name: {name}, namespace: bench}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {name}}}
  minReplicas: {replicas}
  maxReplicas: {maximum}
  metrics: [{{type: Resource, resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 50}}}}}}]
  behavior: {{scaleDown: {{stabilizationWindowSeconds: 0}}}}
"""


class DynamicFleet:
    """A bare repository of `workloads` Divided Deployments (with FederatedHPAs when `autoscaled`) over `clusters`
    simulated clusters with an admin endpoint, and `flotilla run` against them."""

    def __init__(self, bench, options, tag, workloads, clusters, replicas, autoscaled, daemon_args):
        self.bench = bench
        self.work = os.path.join(options.work, tag)
        shutil.rmtree(self.work, ignore_errors=True)
        source = os.path.join(self.work, "source")
        os.makedirs(os.path.join(source, "clusters"))
        self.names = [f"member{c:03d}" for c in range(clusters)]
        for name in self.names:
            with open(os.path.join(source, "clusters", name + ".yaml"), "w") as f:
                f.write(CLUSTER.format(name=name))
        self.workloads = [f"app{w:03d}" for w in range(workloads)]
        with open(os.path.join(source, "apps.yaml"), "w") as f:
            f.write("apiVersion: v1\nkind: Namespace\nmetadata: {name: bench}\n")
            for name in self.workloads:
                f.write("---\n" + WORKLOAD.format(name=name, replicas=replicas))
                if autoscaled:
                    f.write(AUTOSCALER.format(name=name, replicas=replicas, maximum=2 * replicas))
        bare = os.path.join(self.work, "source.git")
        git = ["git", "-c", "user.email=bench@flotilla.dev", "-c", "user.name=bench", "-C", source]
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", bare], check=True)
        subprocess.run(git + ["init", "-q", "-b", "main"], check=True)
        subprocess.run(git + ["add", "-A"], check=True)
        subprocess.run(git + ["commit", "-qm", "fleet"], check=True)
        subprocess.run(git + ["push", "-q", bare, "main"], check=True)
        ports = bench.free_ports(len(self.names) + 2)
        self.ports = dict(zip(self.names, ports))
        self.admin, self.port = ports[-2], ports[-1]
        kubeconfig = os.path.join(self.work, "kubeconfig")
        # metrics-server's resolution at 1 s (its default, 15 s, would hold every new pod's CPU back that long):
        # the figures measure Flotilla, not the metrics pipeline.
        args = [options.bin, "sim", "--kubeconfig-out", kubeconfig, "--ready-delay", "1", "--nodes", "10",
                "--admin-port", str(self.admin), "--metric-resolution", "1"]
        for name in self.names:
            args += ["--cluster", f"{name}={self.ports[name]}"]
        self.sims = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, "sim.log"), "w"))
        for port in list(self.ports.values()) + [self.admin]:
            bench.wait_port(port)
        self.daemon = subprocess.Popen(
            [options.bin, "run", "--repo", bare, "--ref", "main", "--kubeconfig", kubeconfig,
             "--listen", f"127.0.0.1:{self.port}", "--status-branch", "", "--interval", "1h",
             "--cache-dir", os.path.join(self.work, "cache"), "--log-level", "notice"] + daemon_args,
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, "daemon.log"), "w"))
        bench.wait_port(self.port)

    def admin_post(self, path, body):
        request = urllib.request.Request(f"http://127.0.0.1:{self.admin}{path}", data=body.encode(), method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode()

    def deployment(self, cluster, name):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.ports[cluster]}/apis/apps/v1/namespaces/bench/"
                                        f"deployments/{name}", timeout=5) as response:
                return json.loads(response.read())
        except OSError:
            return None

    def ready_replicas(self, name, clusters):
        """Replicas of `name` that are desired and ready on `clusters` (None when one is still rolling)."""
        total = 0
        for cluster in clusters:
            d = self.deployment(cluster, name)
            if d is None:
                continue
            spec, status = d["spec"], d.get("status", {})
            if status.get("readyReplicas", 0) != spec.get("replicas", 0) or \
                    status.get("observedGeneration") != d["metadata"].get("generation"):
                return None
            total += spec.get("replicas", 0)
        return total

    def cluster_ready(self, name):
        """Whether the daemon sees `name` Ready."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/status", timeout=30) as response:
            status = json.loads(response.read())
        return any(c["name"] == name and c["ready"] for c in status.get("clusters", []))

    def wait(self, condition, timeout, what):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if condition():
                return time.time()
            time.sleep(0.05)
        raise SystemExit(f"{what}: not in {timeout} s (see {self.work})")

    def stop(self):
        for process in (self.daemon, self.sims):
            process.terminate()
            process.wait()


def failover(bench, options):
    """A simulated cluster killed: time until every workload's replicas are ready on the others (default threshold)."""
    runs = 1 if options.smoke else options.runs
    workloads, replicas = (3, 6) if options.smoke else (20, 6)
    args = options.daemon_args.split() + (["--failure-threshold", "2s", "--probe-interval", "0.5s"] if options.smoke else [])
    fleet = DynamicFleet(bench, options, "failover", workloads, 3, replicas, False, args)
    times = []
    try:
        everywhere = lambda: all(fleet.ready_replicas(w, fleet.names) == replicas for w in fleet.workloads)
        fleet.wait(everywhere, 120, "the fleet converged")
        for run in range(runs):
            victim = fleet.names[run % len(fleet.names)]
            survivors = [n for n in fleet.names if n != victim]
            killed = time.time()
            fleet.admin_post(f"/clusters/{victim}/faults", "down")
            moved = fleet.wait(lambda: all(fleet.ready_replicas(w, survivors) == replicas for w in fleet.workloads),
                               120, f"run {run}: replicas ready off {victim}")
            times.append(moved - killed)
            fleet.admin_post(f"/clusters/{victim}/faults", "up")
            # The recovered cluster's works were re-placed: wait until it is back (and has pruned what moved away).
            fleet.wait(lambda: fleet.cluster_ready(victim), 60, f"run {run}: {victim} Ready again")
            fleet.wait(everywhere, 120, f"run {run}: recovered")
            time.sleep(1)
    finally:
        fleet.stop()
    result = {"scenario": "failover", "workloads": workloads, "replicas": replicas, "runs": runs,
              "p50_s": round(bench.percentile(times, 0.5), 2), "max_s": round(max(times), 2),
              "runs_s": [round(t, 2) for t in times]}
    bench.emit(result, ["workloads", "replicas", "runs", "p50_s", "max_s"])


def autoscale(bench, options):
    """A load step on every cluster: time until the FederatedHPAs' new totals are applied and ready everywhere."""
    runs = 1 if options.smoke else options.runs
    workloads, replicas = (2, 3) if options.smoke else (10, 3)
    period = "1s" if options.smoke else "15s"
    args = options.daemon_args.split() + ["--autoscaler-sync-period", period]
    fleet = DynamicFleet(bench, options, "autoscale", workloads, 3, replicas, True, args)
    times = []
    try:
        for cluster in fleet.names:
            for w in fleet.workloads:
                fleet.admin_post(f"/clusters/{cluster}/load", f"bench/{w} cpu=10m")
        for run in range(runs):
            fleet.wait(lambda: all(fleet.ready_replicas(w, fleet.names) == replicas for w in fleet.workloads),
                       600, f"run {run}: back to {replicas} replicas")
            # 100m of 100m requested against 50%: twice the replicas.
            step = time.time()
            for cluster in fleet.names:
                for w in fleet.workloads:
                    fleet.admin_post(f"/clusters/{cluster}/load", f"bench/{w} cpu=100m")
            done = fleet.wait(lambda: all(fleet.ready_replicas(w, fleet.names) == 2 * replicas for w in fleet.workloads),
                              300, f"run {run}: scaled to {2 * replicas}")
            times.append(done - step)
            for cluster in fleet.names:
                for w in fleet.workloads:
                    # 10%: back to the minimum at the next sync (no scale-down window in these FederatedHPAs).
                    fleet.admin_post(f"/clusters/{cluster}/load", f"bench/{w} cpu=10m")
    finally:
        fleet.stop()
    result = {"scenario": "autoscale", "workloads": workloads, "sync_period": period, "runs": runs,
              "p50_s": round(bench.percentile(times, 0.5), 2), "max_s": round(max(times), 2),
              "runs_s": [round(t, 2) for t in times]}
    bench.emit(result, ["workloads", "sync_period", "runs", "p50_s", "max_s"])
