#!/usr/bin/env python3
"""Flotilla's benchmark scenarios (DESIGN.md section 11), on simulated clusters, on this machine.

Usage: bench.py [--bin PATH] [--work DIR] [--smoke] SCENARIO [options]

  cold-sync             N templates x M clusters from an empty fleet to every work Synced and Healthy, by
                        `flotilla run`; then the same rendered works (`flotilla plan --format json`) applied by
                        `kubectl apply --server-side`, clusters in parallel, to fresh clusters; the ratio is the
                        headline. Also the daemon's peak resident memory.
  commit-to-converged   a one-object change across all clusters, pushed and announced by a signed webhook,
                        until every cluster serves it Synced and ready: p50/p99 over --commits commits.
  drift-to-healed       `kubectl patch` of a managed field (the image) on one cluster, until the served object is
                        back: p50/p99 over --edits edits.
  idle                  after the cold sync, --seconds with nothing changing: the daemon's CPU seconds and the API
                        calls the simulated clusters count, by verb; and the daemon's peak resident memory.
  placement             N templates over M clusters, plan time (Benchmarks' placement-benchmark, in process).
  failover              20 Divided workloads over 3 clusters; one cluster killed (admin endpoint) until every
                        replica is ready on the others, with the default failure threshold: p50 over --runs.
  autoscale             10 FederatedHPA workloads over 3 clusters; a load step (admin endpoint) until the doubled
                        totals are applied and ready everywhere, with the default 15 s sync period: p50 over --runs.
  request-floor         the cold sync's apply requests issued by a minimal client (Flotilla's transport, no
                        reconciler: Benchmarks' request-floor) against the same simulated clusters.
  all                   every scenario above at its default size (--smoke: small sizes, a minute in all; the
                        test suite runs it, with debug builds, so the scenarios keep working).

Each scenario prints one JSON line (`{"scenario": ...}`) and a table. Build first:
  swift build -c release --product flotilla
  swift build -c release --package-path Benchmarks      (placement and request-floor)
Needs kubectl and PyYAML. Run on demand: not in CI except `--smoke`.
"""
import argparse, hashlib, hmac, json, os, resource, shutil, socket, statistics, subprocess, sys, tempfile, time
import http.client, urllib.request

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dynamics  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
KIND_ORDER = {"Namespace": 0, "ConfigMap": 1, "Service": 2, "Deployment": 3}


def free_port():
    return free_ports(1)[0]


def free_ports(count):
    """Distinct free ports: every socket stays bound until all are chosen (closing one first may give it back)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def wait_port(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[index]


def ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


FAILURES = []


def require(condition, message):
    """An invariant of a scenario (not a timing: those are reported, never asserted); the run fails without it."""
    if not condition:
        FAILURES.append(message)
        print(f"FAILED: {message}", file=sys.stderr, flush=True)


def emit(result, columns):
    print(json.dumps(result, sort_keys=True), flush=True)
    widths = [max(len(c), len(str(result.get(c)))) for c in columns]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths)))
    print("  ".join(str(result.get(c)).rjust(w) for c, w in zip(columns, widths)), flush=True)


def process_cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid):
    return int(open(f"/proc/{pid}/status").read().split("VmHWM:")[1].split()[0]) // 1024


class Sims:
    """One `flotilla sim` process serving M clusters."""

    def __init__(self, binary, names, work, tag, latency_ms=0):
        self.ports = dict(zip(names, free_ports(len(names))))
        self.kubeconfig = os.path.join(work, f"kubeconfig-{tag}")
        args = [binary, "sim", "--kubeconfig-out", self.kubeconfig, "--ready-delay", "0", "--nodes", "50",
                "--metric-resolution", "1"]
        for n in names:
            args += ["--cluster", f"{n}={self.ports[n]}"]
            if latency_ms:
                # Every request waits this long before it is served: a cluster across a network, not on loopback.
                args += ["--fault", f"{n}=slow={latency_ms}"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(work, f"sim-{tag}.log"), "w"))
        for p in self.ports.values():
            wait_port(p)
        self.connections = {}

    def request(self, cluster, method, path, body=None, content_type="application/json"):
        connection = self.connections.get(cluster)
        if connection is None:
            connection = self.connections[cluster] = http.client.HTTPConnection("127.0.0.1", self.ports[cluster], timeout=30)
        headers = {"Content-Type": content_type} if body is not None else {}
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.connections.pop(cluster, None)
            raise
        return response.status, data

    def get(self, cluster, path):
        status, data = self.request(cluster, "GET", path)
        return json.loads(data) if status == 200 else None

    def requests_by_verb(self, reset=False):
        total = {}
        for cluster in self.ports:
            counts = self.get(cluster, "/flotilla/requests" + ("?reset=true" if reset else ""))
            for verb, count in counts.items():
                total[verb] = total.get(verb, 0) + count
        return dict(sorted(total.items()))

    def stop(self):
        for connection in self.connections.values():
            connection.close()
        self.proc.terminate()
        self.proc.wait()


class Fleet:
    """A generated source in a bare repository, simulated clusters and `flotilla run`, converged."""

    def __init__(self, options, templates, clusters, tag):
        self.options = options
        self.binary = options.bin
        self.work = os.path.join(options.work, tag)
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        self.source = os.path.join(self.work, "fleet")
        subprocess.run([sys.executable, os.path.join(HERE, "generate-fleet.py"), str(templates), str(clusters), self.source],
                       check=True)
        self.bare = os.path.join(self.work, "fleet.git")
        self.git = ["git", "-c", "user.email=bench@flotilla.dev", "-c", "user.name=bench", "-C", self.source]
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", self.bare], check=True)
        subprocess.run(self.git + ["init", "-q", "-b", "main"], check=True)
        self.commit("fleet")
        self.names = [f"member{c:03d}" for c in range(clusters)]
        self.secret = "bench-webhook-secret"
        with open(os.path.join(self.work, "webhook-secret"), "w") as f:
            f.write(self.secret)
        self.sims = None
        self.daemon = None

    def commit(self, message):
        subprocess.run(self.git + ["add", "-A"], check=True)
        subprocess.run(self.git + ["commit", "-qm", message], check=True)
        subprocess.run(self.git + ["push", "-q", self.bare, "main"], check=True)

    def start(self):
        """Starts the clusters and the daemon; returns seconds from the daemon's start to converged."""
        self.sims = Sims(self.binary, self.names, self.work, "flotilla", self.options.latency)
        self.port = free_port()
        started = time.time()
        self.daemon = subprocess.Popen(
            [self.binary, "run", "--repo", self.bare, "--ref", "main", "--kubeconfig", self.sims.kubeconfig,
             "--listen", f"127.0.0.1:{self.port}", "--status-branch", "", "--interval", "1h",
             "--webhook-secret-file", os.path.join(self.work, "webhook-secret"),
             "--cache-dir", os.path.join(self.work, "cache"), "--log-level", "info"] + self.options.daemon_args.split(),
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, "daemon.log"), "w"))
        wait_port(self.port)
        while time.time() - started < 1800:
            if self.daemon.poll() is not None:
                raise SystemExit(f"the daemon exited {self.daemon.returncode}: see {self.work}/daemon.log")
            if (self.metric("flotilla_commit_to_converged_seconds_count") or 0) >= 1:
                return time.time() - started
            time.sleep(0.02)
        raise SystemExit("not converged in 30 minutes")

    def metric(self, name):
        text = urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=30).read().decode()
        for line in text.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{}"):
                return float(line.split()[-1])
        return None

    def status(self):
        return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/status", timeout=60).read())

    def hook(self):
        body = json.dumps({"ref": "refs/heads/main"}).encode()
        signature = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/hooks/git", data=body, method="POST",
                                         headers={"X-GitHub-Event": "push", "Content-Type": "application/json",
                                                  "X-Hub-Signature-256": signature})
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status != 202:
                raise SystemExit(f"webhook answered {response.status}")

    def stop(self):
        if self.daemon:
            self.daemon.terminate()
            self.daemon.wait()
        if self.sims:
            self.sims.stop()

    def plan_files(self):
        """The works `flotilla plan` renders, one YAML file per cluster (kind order), for kubectl and the floor."""
        plan = json.loads(subprocess.run([self.binary, "plan", self.source, "--format", "json"], check=True,
                                         capture_output=True, text=True).stdout)
        per_cluster = {n: [] for n in self.names}
        for placement in plan["placements"]:
            for cluster, obj in placement.get("works", {}).items():
                per_cluster[cluster].append(obj)
        files = {}
        for cluster, objs in per_cluster.items():
            objs.sort(key=lambda o: KIND_ORDER.get(o["kind"], 9))
            files[cluster] = os.path.join(self.work, f"works-{cluster}.yaml")
            with open(files[cluster], "w") as f:
                yaml.safe_dump_all(objs, f, sort_keys=True)
        return files, sum(len(v) for v in per_cluster.values())


def klog_time(line):
    """The wall-clock time of a klog line (`I1123 19:20:01.123456 ...`, local time, no year)."""
    stamp = line[1:].split()[0:2]
    now = time.localtime()
    parsed = time.strptime(f"{now.tm_year}{stamp[0]} {stamp[1].split('.')[0]}", "%Y%m%d %H:%M:%S")
    return time.mktime(parsed) + float("0." + stamp[1].split(".")[1])


def deployment_path(namespace, name):
    return f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}"


def cold_sync(options, converged=None):
    """The cold sync; `converged(fleet)` runs while the converged daemon still runs (the idle scenario)."""
    templates, clusters = options.templates or 2000, options.clusters or 10
    fleet = Fleet(options, templates, clusters, "cold-sync")
    try:
        seconds = fleet.start()
        works = len(fleet.status()["works"])
        rss = peak_rss_mb(fleet.daemon.pid)
        cpu = process_cpu_seconds(fleet.daemon.pid)
        requests = fleet.sims.requests_by_verb()
        sim_cpu = process_cpu_seconds(fleet.sims.proc.pid)
        if converged:
            converged(fleet)
    finally:
        fleet.stop()
    files, planned = fleet.plan_files()
    sims = Sims(fleet.binary, fleet.names, fleet.work, "kubectl", options.latency)
    started = time.time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    procs = [subprocess.Popen(["kubectl", "--kubeconfig", sims.kubeconfig, "--context", c, "apply", "--server-side",
                               "--field-manager", "bench", "-f", files[c]],
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(fleet.work, f"kubectl-{c}.log"), "w"))
             for c in fleet.names]
    failures = sum(1 for p in procs if p.wait() != 0)
    kubectl = time.time() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    kubectl_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    kubectl_requests = sims.requests_by_verb()
    kubectl_sim_cpu = process_cpu_seconds(sims.proc.pid)
    sims.stop()
    result = {"scenario": "cold-sync", "templates": templates, "clusters": clusters, "works": works,
              "latency_ms": options.latency, "daemon_args": options.daemon_args,
              "flotilla_s": round(seconds, 2), "kubectl_s": round(kubectl, 2), "kubectl_failures": failures,
              "ratio": round(kubectl / seconds, 2), "daemon_cpu_s": round(cpu, 1), "peak_rss_mb": rss,
              "sim_cpu_s": round(sim_cpu, 1), "kubectl_cpu_s": round(kubectl_cpu, 1),
              "kubectl_sim_cpu_s": round(kubectl_sim_cpu, 1),
              "flotilla_requests": requests, "kubectl_requests": kubectl_requests, "planned_works": planned}
    require(works == planned, f"cold sync: the daemon reports {works} works, the plan has {planned}")
    require(failures == 0, f"cold sync: {failures} kubectl runs failed (see {fleet.work}/kubectl-*.log)")
    require(kubectl_requests.get("patch", 0) >= planned, f"cold sync: kubectl made {kubectl_requests.get('patch', 0)} applies")
    emit(result, ["works", "flotilla_s", "kubectl_s", "ratio", "daemon_cpu_s", "sim_cpu_s", "kubectl_cpu_s",
                  "kubectl_sim_cpu_s", "peak_rss_mb", "kubectl_failures"])
    return fleet, files


def request_floor(options, files=None, fleet=None):
    if files is None:
        fleet = Fleet(options, options.templates or 2000, options.clusters or 10, "request-floor")
        files, _ = fleet.plan_files()
    floor = os.path.join(options.bench_bin, "request-floor")
    if not os.path.exists(floor):
        raise SystemExit(f"{floor} is missing: swift build -c release --package-path Benchmarks")
    sims = Sims(options.bin, fleet.names, fleet.work, "floor", options.latency)
    output = subprocess.run([floor, sims.kubeconfig, str(options.connections)] + [f"{c}={files[c]}" for c in fleet.names],
                            check=True, capture_output=True, text=True).stdout
    sim_cpu = process_cpu_seconds(sims.proc.pid)
    sims.stop()
    measured = json.loads(output)
    result = {"scenario": "request-floor", "clusters": len(fleet.names), "connections_per_cluster": options.connections,
              "sim_cpu_s": round(sim_cpu, 1), **measured}
    require(measured["failures"] == 0, f"request floor: {measured['failures']} applies failed")
    emit(result, ["requests", "seconds", "requests_per_s", "sim_cpu_s", "failures", "connections_per_cluster"])


def commit_to_converged(options):
    templates, clusters, commits = options.templates or 300, options.clusters or 10, options.commits
    fleet = Fleet(options, templates, clusters, "commit-to-converged")
    try:
        fleet.start()
        # app00000 is Duplicated to every cluster (with an image override on one cloud's clusters).
        path = os.path.join(fleet.source, "apps", "app00000.yaml")
        original = open(path).read()
        wall, daemon = [], []
        for k in range(commits):
            tag = f"c{k:03d}"
            with open(path, "w") as f:
                f.write(original.replace("registry.example.com/app00000:1.0", f"registry.example.com/app00000:{tag}"))
            fleet.commit(f"app00000 {tag}")
            count = fleet.metric("flotilla_commit_to_converged_seconds_count") or 0
            total = fleet.metric("flotilla_commit_to_converged_seconds_sum") or 0
            started = time.time()
            fleet.hook()
            remaining = set(fleet.names)
            while remaining:
                if time.time() - started > 60:
                    raise SystemExit(f"commit {tag} not converged on {sorted(remaining)} in 60 s")
                for cluster in sorted(remaining):
                    d = fleet.sims.get(cluster, deployment_path("team0", "app00000"))
                    spec, status = d["spec"], d.get("status", {})
                    if (spec["template"]["spec"]["containers"][0]["image"].endswith(":" + tag)
                            and status.get("observedGeneration") == d["metadata"].get("generation")
                            and status.get("updatedReplicas") == spec["replicas"]
                            and status.get("readyReplicas") == spec["replicas"]):
                        remaining.discard(cluster)
                time.sleep(0.002)
            wall.append(time.time() - started)
            deadline = time.time() + 10
            while (fleet.metric("flotilla_commit_to_converged_seconds_count") or 0) <= count and time.time() < deadline:
                time.sleep(0.01)
            daemon.append(fleet.metric("flotilla_commit_to_converged_seconds_sum") - total)
        # Where the time goes: fetching, and loading + planning + handing out (means over the run).
        phases = {name: (fleet.metric(f"flotilla_{name}_seconds_sum") or 0) / max(1, fleet.metric(f"flotilla_{name}_seconds_count") or 1)
                  for name in ("git_fetch_duration", "reconcile_duration")}
    finally:
        fleet.stop()
    result = {"scenario": "commit-to-converged", "templates": templates, "clusters": clusters, "commits": commits,
              "observed_p50_ms": ms(percentile(wall, 0.5)), "observed_p99_ms": ms(percentile(wall, 0.99)),
              "observed_max_ms": ms(max(wall)), "daemon_p50_ms": ms(percentile(daemon, 0.5)),
              "daemon_p99_ms": ms(percentile(daemon, 0.99)), "fetch_mean_ms": ms(phases["git_fetch_duration"]),
              "reconcile_mean_ms": ms(phases["reconcile_duration"])}
    emit(result, ["clusters", "commits", "observed_p50_ms", "observed_p99_ms", "observed_max_ms", "daemon_p50_ms",
                  "daemon_p99_ms", "fetch_mean_ms", "reconcile_mean_ms"])


def drift_to_healed(options):
    templates, clusters, edits = options.templates or 300, options.clusters or 10, options.edits
    fleet = Fleet(options, templates, clusters, "drift-to-healed")
    try:
        fleet.start()
        healed = []
        for k in range(edits):
            cluster = fleet.names[k % len(fleet.names)]
            before = fleet.sims.get(cluster, deployment_path("team2", "app00002"))
            image = before["spec"]["template"]["spec"]["containers"][0]["image"]
            patch = json.dumps({"spec": {"template": {"spec": {"containers": [{"name": "main", "image": f"evil:{k}"}]}}}})
            # kubectl -v=6 logs when the PATCH was answered (klog: local time, microseconds): the clock starts
            # there, not when kubectl exits (the daemon has often healed the object by then).
            edit = subprocess.Popen(["kubectl", "--kubeconfig", fleet.sims.kubeconfig, "--context", cluster, "-n", "team2",
                                     "patch", "deployment", "app00002", "-p", patch, "-v=6"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            seen = None
            while seen is None:
                d = fleet.sims.get(cluster, deployment_path("team2", "app00002"))
                if d["spec"]["template"]["spec"]["containers"][0]["image"] == image and edit.poll() is not None:
                    break  # healed before the first look: the time is taken from kubectl's log below
                if d["spec"]["template"]["spec"]["containers"][0]["image"] != image:
                    seen = True
                time.sleep(0.001)
            while True:
                d = fleet.sims.get(cluster, deployment_path("team2", "app00002"))
                if d["spec"]["template"]["spec"]["containers"][0]["image"] == image:
                    healed_at = time.time()
                    break
                time.sleep(0.001)
            log = edit.communicate()[1]
            if edit.returncode != 0:
                raise SystemExit(f"kubectl patch failed: {log[-500:]}")
            answered = [line for line in log.splitlines() if "PATCH" in line and "200 OK" in line]
            if not answered:
                raise SystemExit(f"no PATCH response in kubectl's log: {log[-500:]}")
            healed.append(healed_at - klog_time(answered[-1]))
    finally:
        fleet.stop()
    result = {"scenario": "drift-to-healed", "templates": templates, "clusters": clusters, "edits": edits,
              "p50_ms": ms(percentile(healed, 0.5)), "p99_ms": ms(percentile(healed, 0.99)), "max_ms": ms(max(healed))}
    emit(result, ["clusters", "edits", "p50_ms", "p99_ms", "max_ms"])


def idle(options, fleet=None):
    templates, clusters = options.templates or 2000, options.clusters or 10
    own = fleet is None
    if own:
        fleet = Fleet(options, templates, clusters, "idle")
        fleet.start()
    try:
        time.sleep(2)  # the last status updates of the cold sync settle
        fleet.sims.requests_by_verb(reset=True)
        cpu = process_cpu_seconds(fleet.daemon.pid)
        time.sleep(options.seconds)
        cpu = process_cpu_seconds(fleet.daemon.pid) - cpu
        requests = fleet.sims.requests_by_verb()
        works = len(fleet.status()["works"])
        rss = peak_rss_mb(fleet.daemon.pid)
    finally:
        if own:
            fleet.stop()
    writes = sum(requests.get(v, 0) for v in ("create", "update", "patch", "delete", "deletecollection"))
    result = {"scenario": "idle", "templates": templates, "clusters": clusters, "works": works, "seconds": options.seconds,
              "cpu_s": round(cpu, 2), "requests": requests, "writes": writes, "lists": requests.get("list", 0),
              "peak_rss_mb": rss}
    require(writes == 0 and requests.get("list", 0) == 0, f"idle: {writes} writes and {requests.get('list', 0)} lists")
    emit(result, ["works", "seconds", "cpu_s", "writes", "lists", "peak_rss_mb"])
    print("requests by verb:", " ".join(f"{verb}={count}" for verb, count in requests.items()) or "none", flush=True)


def placement(options):
    templates, clusters = options.templates or 10000, options.clusters or 100
    binary = os.path.join(options.bench_bin, "placement-benchmark")
    if not os.path.exists(binary):
        raise SystemExit(f"{binary} is missing: swift build -c release --package-path Benchmarks")
    output = subprocess.run([binary, str(templates), str(clusters), "2" if options.smoke else "5", "--json"],
                            check=True, capture_output=True,
                            text=True).stdout
    result = {"scenario": "placement", **json.loads(output.strip().splitlines()[-1])}
    emit(result, ["templates", "clusters", "placement_median_s", "placement_max_s", "rendered_median_s"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=["cold-sync", "commit-to-converged", "drift-to-healed", "idle", "placement",
                                             "request-floor", "failover", "autoscale", "all"])
    parser.add_argument("--runs", type=int, default=5, help="failover and autoscale: how many times")
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "flotilla"))
    parser.add_argument("--work", help="working folder (default: a new temporary one)")
    parser.add_argument("--bench-bin", default=os.path.join(ROOT, "Benchmarks", ".build", "release"),
                        help="where request-floor and placement-benchmark were built")
    parser.add_argument("--templates", type=int)
    parser.add_argument("--clusters", type=int)
    parser.add_argument("--commits", type=int, default=50)
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=4, help="request floor: connections per cluster")
    parser.add_argument("--latency", type=int, default=0,
                        help="milliseconds every simulated cluster waits before serving a request (a network's round trip)")
    parser.add_argument("--daemon-args", default="", help="more flags for `flotilla run`, e.g. '--cluster-api-qps 1000'")
    parser.add_argument("--smoke", action="store_true", help="small sizes, to keep the scenarios from rotting")
    options = parser.parse_args()
    options.bin = os.path.abspath(options.bin)
    options.bench_bin = os.path.abspath(options.bench_bin)
    options.work = os.path.abspath(options.work or tempfile.mkdtemp(prefix="flotilla-bench-"))
    if options.smoke:
        options.templates = options.templates or 60
        options.clusters = options.clusters or 3
        options.commits = min(options.commits, 5)
        options.edits = min(options.edits, 5)
        options.seconds = min(options.seconds, 5)
    if options.scenario == "all":
        fleet, files = cold_sync(options, converged=lambda fleet: idle(options, fleet))
        request_floor(options, files, fleet)
        commit_to_converged(options)
        drift_to_healed(options)
        placement(options)
        dynamics.failover(sys.modules[__name__], options)
        dynamics.autoscale(sys.modules[__name__], options)
    else:
        {"cold-sync": lambda: cold_sync(options), "commit-to-converged": lambda: commit_to_converged(options),
         "drift-to-healed": lambda: drift_to_healed(options), "idle": lambda: idle(options),
         "placement": lambda: placement(options), "request-floor": lambda: request_floor(options),
         "failover": lambda: dynamics.failover(sys.modules[__name__], options),
         "autoscale": lambda: dynamics.autoscale(sys.modules[__name__], options)}[options.scenario]()
    if FAILURES:
        raise SystemExit(f"{len(FAILURES)} invariant(s) failed")


if __name__ == "__main__":
    main()
