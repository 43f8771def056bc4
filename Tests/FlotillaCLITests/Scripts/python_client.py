# Drives a simulated cluster with the official Python kubernetes client: version, create, list with a selector,
# watch, a 404, garbage collection and a strict unknown field. Usage: python_client.py KUBECONFIG CONTEXT
import json, sys, threading, time
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
# Garbage collection: a dependent goes with its owner (Background), or stays without its reference (Orphan).
owner = core.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="owner")))
for name in ["dependent", "orphan-to-be"]:
    core.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, owner_references=[
        client.V1OwnerReference(api_version="v1", kind="ConfigMap", name="owner", uid=owner.metadata.uid)])))
core.delete_namespaced_config_map("owner", "default", body=client.V1DeleteOptions(propagation_policy="Orphan"))
kept = core.read_namespaced_config_map("orphan-to-be", "default")
print("orphaned", kept.metadata.owner_references)
# An unknown field, as a real server answers it under fieldValidation=Strict (sent through the client's own REST
# layer: its typed models refuse extra fields before sending).
api = client.ApiClient()
method, url, headers, body, _ = api.param_serialize(
    "POST", "/api/v1/namespaces/{namespace}/configmaps", path_params={"namespace": "default"},
    query_params=[("fieldValidation", "Strict")],
    header_params={"Content-Type": "application/json", "Accept": "application/json"},
    body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "typo"}, "datas": {"a": "b"}},
    auth_settings=["BearerToken"])
answer = api.call_api(method, url, header_params=headers, body=body)
answer.read()
print("strict", answer.status, 'unknown field "datas"' in json.loads(answer.data)["message"])
