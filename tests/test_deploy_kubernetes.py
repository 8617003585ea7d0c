"""deploy/kubernetes: every manifest validates against the Kubernetes schema
(kubernetes-validate, offline), the manifests agree with each other and with the
server's flags, and the Deployment's exact command line, with its Secret, ConfigMap
and TLS mounts mapped into a temp folder and its addresses onto loopback, serves and
answers the probes it declares."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys

import grpc
import pytest
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc

from kaoping.usecases.rulesets import validate_text
from tests.support.apps import ROOT, new_database_url
from tests.support.tls import self_signed
from tests.support.replicas import ServerProcess

K8S = ROOT / "deploy" / "kubernetes"
OLDEST = "1.27"   # gRPC probes are GA from 1.27


def documents(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((K8S / name).read_text(encoding="utf-8")) if d]


def manifests() -> dict[tuple[str, str], dict]:
    found = {}
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in documents(path.name):
            found[(doc["kind"], doc["metadata"]["name"])] = doc
    return found


def container(deployment: dict) -> dict:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only


def flag(args: list[str], name: str) -> str:
    (value,) = [a.split("=", 1)[1] for a in args if a.startswith(f"--{name}=")]
    return value


def test_manifests_validate_against_the_kubernetes_schema():
    if importlib.util.find_spec("kubernetes_validate") is None:
        pytest.skip("kubernetes-validate is not installed (pip install kubernetes-validate)")
    import kubernetes_validate
    latest = kubernetes_validate.latest_version()
    checked = 0
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in documents(path.name):
            for version in (OLDEST, latest):
                try:
                    kubernetes_validate.validate(doc, version, strict=True)
                except kubernetes_validate.ValidationError as exc:
                    pytest.fail(f"{path.name} {doc['kind']}/{doc['metadata']['name']} (k8s {version}): "
                                f"{exc.message} at {'/'.join(map(str, exc.path))}")
            checked += 1
    assert checked >= 8


def test_kustomization_lists_every_manifest_but_the_example_secrets():
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))["resources"])
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml",
                                                   "migrate-job.yaml"}
    assert listed == files
    kubectl = shutil.which("kubectl")
    if kubectl:   # kustomize renders offline when kubectl is there
        rendered = subprocess.run([kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=60)
        if rendered.returncode == 0:
            kinds = {(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(rendered.stdout) if d}
            assert ("Deployment", "kaoping") in kinds and ("ConfigMap", "kaoping-rules") in kinds


def test_manifests_agree_with_each_other():
    m = manifests()
    deployment, service, headless = m[("Deployment", "kaoping")], m[("Service", "kaoping")], \
        m[("Service", "kaoping-headless")]
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert m[("PodDisruptionBudget", "kaoping")]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    c = container(deployment)
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    for svc in (service, headless):
        assert svc["spec"]["selector"].items() <= labels.items()
        assert all(p["targetPort"] in ports for p in svc["spec"]["ports"])
    assert deployment["spec"]["replicas"] >= 2

    args = c["args"]
    assert flag(args, "listen").endswith(f":{ports['grpc']}")
    assert flag(args, "health-listen").endswith(f":{ports['health']}")
    assert flag(args, "metrics-listen").endswith(f":{ports['metrics']}")
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(ports["metrics"])
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert c[probe]["grpc"]["port"] == ports["health"], probe
    assert c["readinessProbe"]["grpc"]["service"].startswith("kaoping.v1.")

    # the database URL comes from the Secret through KAOPING_DB; TLS and rules from mounts
    secrets = {(n, k) for (kind, n), d in m.items() if kind == "Secret" for k in d["stringData"]}
    (db,) = [e for e in c["env"] if e["name"] == "KAOPING_DB"]
    ref = db["valueFrom"]["secretKeyRef"]
    assert (ref["name"], ref["key"]) in secrets
    mounts = {v["name"]: v["mountPath"] for v in c["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    tls = volumes["tls"]["secret"]["secretName"]
    assert flag(args, "tls-cert") == f"{mounts['tls']}/tls.crt" and (tls, "tls.crt") in secrets
    assert flag(args, "tls-key") == f"{mounts['tls']}/tls.key" and (tls, "tls.key") in secrets
    rules = m[("ConfigMap", volumes["rules"]["configMap"]["name"])]
    key = flag(args, "rules").removeprefix(mounts["rules"] + "/")
    checked = validate_text(rules["data"][key], key)
    assert checked.valid, checked.problems

    # sized (deploy/README.md "Sizing"), and a pod is drained before it is stopped
    resources = c["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"]) and "memory" in resources["limits"]
    grace = pod["spec"]["terminationGracePeriodSeconds"]
    assert int(c["lifecycle"]["preStop"]["exec"]["command"][1]) + 10 < grace   # 10 s: the server's grace
    job = m[("Job", "kaoping-migrate")]
    assert container(job)["image"] == c["image"]                                    # same release


def test_the_deployment_command_line_serves_and_answers_its_probes(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (needed for the TLS certificate)")
    m = manifests()
    deployment = m[("Deployment", "kaoping")]
    c = container(deployment)
    mounts = {v["name"]: v["mountPath"] for v in c["volumeMounts"]}
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    # the ConfigMap and the TLS Secret as the kubelet would mount them
    local = {mounts["rules"]: tmp_path / "rules", mounts["tls"]: tmp_path / "tls"}
    (tmp_path / "rules").mkdir()
    for key, text in m[("ConfigMap", volumes["rules"]["configMap"]["name"])]["data"].items():
        (tmp_path / "rules" / key).write_text(text, encoding="utf-8")
    cert, key = self_signed(tmp_path / "tls")
    cert.rename(tmp_path / "tls" / "tls.crt")
    key.rename(tmp_path / "tls" / "tls.key")
    args = []
    for arg in c["args"]:
        for real, mapped in local.items():
            arg = arg.replace(real, str(mapped))
        if arg.startswith(("--listen=", "--health-listen=", "--metrics-listen=")):
            arg = arg.split("=", 1)[0] + "=127.0.0.1:0"          # loopback only in tests
        args.append(arg)
    assert c["command"] == ["kaoping-server"]
    url = new_database_url(tmp_path)
    env = {**os.environ, "KAOPING_DB": url}

    job = m[("Job", "kaoping-migrate")]["spec"]["template"]["spec"]["containers"][0]
    migrated = subprocess.run(job["command"], env=env, capture_output=True, text=True, timeout=120,
                              cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert "schema at" in migrated.stdout and url.split("@")[0] not in migrated.stdout   # no password

    server = ServerProcess([sys.executable, "-m", "kaoping.ops.server", *args], env=env, cwd=tmp_path).wait_ready()
    try:
        assert {"health", "metrics", "listening"} <= set(server.ports)
        channel = grpc.insecure_channel(f"127.0.0.1:{server.ports['health']}")   # what the kubelet does
        health = health_pb2_grpc.HealthStub(channel)
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            service = c[probe]["grpc"].get("service", "")
            reply = health.Check(health_pb2.HealthCheckRequest(service=service),
                                 timeout=c[probe].get("timeoutSeconds", 1))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING, probe
        channel.close()
        assert '"logger": "kaoping"' in server.output()   # JSON logs
        assert "CHANGE-ME" not in server.output() and (url.split("@")[0] not in server.output()
                                                       if "@" in url else True)
    finally:
        code = server.terminate(timeout=deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"])
    assert code == 0, server.output()
