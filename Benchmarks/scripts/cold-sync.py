#!/usr/bin/env python3
"""Cold sync: N generated apps over M simulated clusters, from an empty fleet to every work Synced and Healthy,
by `flotilla run`, then the same rendered works (from `flotilla plan --format json`) applied by
`kubectl apply --server-side`, clusters in parallel, to fresh simulated clusters. Prints one JSON line and a table.

Usage: cold-sync.py N M [--bin .build/release/flotilla] [--work DIR]
Run on demand (not in CI); build first: swift build -c release. Needs PyYAML (installed with the `kubernetes` client).
"""
import argparse, json, yaml, os, shutil, socket, subprocess, sys, tempfile, time, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")

def start_sims(binary, names, work, tag):
    ports = {n: free_port() for n in names}
    kubeconfig = os.path.join(work, f"kubeconfig-{tag}")
    args = [binary, "sim", "--kubeconfig-out", kubeconfig, "--ready-delay", "0", "--nodes", "50"]
    for n in names:
        args += ["--cluster", f"{n}={ports[n]}"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, f"sim-{tag}.log"), "w"))
    for p in ports.values():
        wait_port(p)
    return proc, kubeconfig

def metric(port, name):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int)
    parser.add_argument("m", type=int)
    parser.add_argument("--bin", default=".build/release/flotilla")
    parser.add_argument("--work")
    options = parser.parse_args()
    binary = os.path.abspath(options.bin)
    work = options.work or tempfile.mkdtemp(prefix="flotilla-cold-")
    source = os.path.join(work, "fleet")
    shutil.rmtree(source, ignore_errors=True)
    subprocess.run([sys.executable, os.path.join(HERE, "generate-fleet.py"), str(options.n), str(options.m), source], check=True)
    bare = os.path.join(work, "fleet.git")
    shutil.rmtree(bare, ignore_errors=True)
    git = ["git", "-c", "user.email=bench@flotilla", "-c", "user.name=bench"]
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", bare], check=True)
    subprocess.run(git + ["-C", source, "init", "-q", "-b", "main"], check=True)
    subprocess.run(git + ["-C", source, "add", "-A"], check=True)
    subprocess.run(git + ["-C", source, "commit", "-qm", "fleet"], check=True)
    subprocess.run(git + ["-C", source, "push", "-q", bare, "main"], check=True)
    names = [f"member{c:03d}" for c in range(options.m)]

    # Flotilla.
    sims, kubeconfig = start_sims(binary, names, work, "flotilla")
    port = free_port()
    started = time.time()
    daemon = subprocess.Popen([binary, "run", "--repo", bare, "--ref", "main", "--kubeconfig", kubeconfig,
                               "--listen", f"127.0.0.1:{port}", "--status-branch", "", "--interval", "1h",
                               "--cache-dir", os.path.join(work, "cache"), "--log-level", "warning"],
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "daemon.log"), "w"))
    wait_port(port)
    converged = None
    while time.time() - started < 1800:
        if (metric(port, "flotilla_commit_to_converged_seconds_count") or 0) >= 1:
            converged = time.time() - started
            break
        time.sleep(0.05)
    status = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/status", timeout=30).read())
    works = len(status["works"])
    rss = int(open(f"/proc/{daemon.pid}/status").read().split("VmHWM:")[1].split()[0]) // 1024
    daemon.terminate(); daemon.wait()
    sims.terminate(); sims.wait()

    # kubectl, on fresh clusters, with the works flotilla plan renders.
    plan = json.loads(subprocess.run([binary, "plan", source, "--format", "json"], check=True,
                                     capture_output=True, text=True).stdout)
    order = {"Namespace": 0, "ConfigMap": 1, "Service": 2, "Deployment": 3}
    per_cluster = {n: [] for n in names}
    for placement in plan["placements"]:
        for cluster, obj in placement.get("works", {}).items():
            per_cluster[cluster].append(obj)
    files = {}
    for cluster, objs in per_cluster.items():
        objs.sort(key=lambda o: order.get(o["kind"], 9))
        files[cluster] = os.path.join(work, f"{cluster}.yaml")
        with open(files[cluster], "w") as f:
            yaml.safe_dump_all(objs, f, sort_keys=True)
    sims, kubeconfig = start_sims(binary, names, work, "kubectl")
    started = time.time()
    procs = [subprocess.Popen(["kubectl", "--kubeconfig", kubeconfig, "--context", c, "apply", "--server-side",
                               "--field-manager", "bench", "-f", files[c]],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for c in names]
    failures = sum(1 for p in procs if p.wait() != 0)
    kubectl = time.time() - started
    sims.terminate(); sims.wait()

    result = {"scenario": "cold-sync", "templates": options.n, "clusters": options.m, "works": works,
              "flotilla_seconds": round(converged or -1, 3), "kubectl_seconds": round(kubectl, 3),
              "kubectl_failures": failures, "ratio": round(kubectl / converged, 2) if converged else None,
              "daemon_peak_rss_mb": rss}
    print(json.dumps(result, sort_keys=True))
    print(f"{'works':>8} {'flotilla s':>11} {'kubectl s':>10} {'kubectl/flotilla':>17} {'peak RSS MB':>12}")
    print(f"{works:>8} {result['flotilla_seconds']:>11} {result['kubectl_seconds']:>10} {str(result['ratio']):>17} {rss:>12}")

main()
