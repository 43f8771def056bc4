# Drives a simulated cluster with the official Python kubernetes client: version, create, list with a selector,
# watch, and a 404. Usage: python_client.py KUBECONFIG CONTEXT
import sys, threading, time
from kubernetes import client, config, watch
config.load_kube_config(config_file=sys.argv[1], context=sys.argv[2])
core = client.CoreV1Api()
apps = client.AppsV1Api()
print("version", client.VersionApi().get_code().git_version)
core.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="from-python", labels={"made": "python"}), data={"k": "v"}))
names = [cm.metadata.name for cm in core.list_namespaced_config_map("default", label_selector="made=python").items]
print("listed", names)
events = []
def make():
    time.sleep(1)
    core.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="watched-by-python")))
threading.Thread(target=make).start()
w = watch.Watch()
rv = core.list_namespaced_config_map("default").metadata.resource_version
for event in w.stream(core.list_namespaced_config_map, "default", resource_version=rv, timeout_seconds=5):
    events.append((event["type"], event["object"].metadata.name))
    if event["object"].metadata.name == "watched-by-python":
        w.stop()
print("events", events)
try:
    core.read_namespaced_config_map("nope", "default")
except client.exceptions.ApiException as e:
    print("status", e.status, e.reason)
