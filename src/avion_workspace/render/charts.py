"""Helm charts rendered from config: the ``avion-common`` library chart and one chart per service.

The library chart's templates are static package files (Helm's own ``{{ }}`` syntax, copied
verbatim and stamped). Everything that varies — values per environment, the values schema, the
chart metadata — is computed here from the platform model, so a test can see every decision.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import cache
from importlib import resources
from typing import Any

from avion_workspace.config.model import Platform, Service
from avion_workspace.errors import AvionError
from avion_workspace.render.alerts import service_rule_values
from avion_workspace.render.infrastructure import (
    INGRESS_NAMESPACE,
    PRIVATE_RANGES,
    datastore_endpoints,
    json_file,
    yaml_file,
    yaml_text_file,
)
from avion_workspace.render.observability import MONITORING_NAMESPACE
from avion_workspace.render.plan import GeneratedFile, RenderContext, stamp
from avion_workspace.render.yamlout import to_yaml

SCHEMA_SOURCE = "config/schema/platform.schema.json"
CHARTS_DIR = "charts"
LIBRARY = "avion-common"
CHART_VERSION = "0.1.0"
APP_VERSION = "0.1.0"
KUBE_VERSION_RANGE = ">=1.29.0-0"
RUN_AS_ID = 10001  # the non-root user the service images run as (Dockerfile: USER 10001)
HEALTH_PATHS = {"readiness": "/readyz", "liveness": "/healthz", "startup": "/healthz"}
METRICS_PATH = "/metrics"
SECRETS_MOUNT = "/run/secrets"  # avion_config reads <dir>/<setting env name lowercased>


def chart_dir(service: str) -> str:
    return f"{CHARTS_DIR}/{service}"


def migration_command(service: Service) -> list[str]:
    """What the migration Job runs in the service image (the service template implements it)."""
    return ["python", "-m", service.package, "migrate"]


def _settings(platform: Platform, service: Service) -> tuple[list[dict[str, str]], list[str]]:
    """(plain environment variables, secret file names) the service container gets.

    Values are set by their place in the service kit's settings (``database.host``...); the
    variable names come from the kit itself (``avion_service.settings.variables``: ``AUTH_*``
    for auth). Secrets are files under /run/secrets named like the setting, lowercased, which is
    where the config library looks for them. A place the service does not read is a bug.
    """
    from avion_service.settings import variables

    from avion_workspace.render.services import redis_user, service_spec

    stores = datastore_endpoints(platform)
    values: dict[str, str] = {
        "telemetry.service_name": service.name,
        "core.environment": platform.environment.name,
        "core.http_port": str(service.http_port),
        "core.grpc_port": str(service.grpc_port),
    }
    if service.database:
        pg = stores["postgres"]
        values |= {
            "database.host": pg.host,
            "database.port": str(pg.ports[0]),
            "database.name": service.database,
            "database.user": service.database_owner or "",
        }
    if service.redis_namespaces:
        redis = stores["redis"]
        values |= {
            "redis.host": redis.host,
            "redis.port": str(redis.ports[1]),  # the Sentinel port: a master set is named
            "redis.master_set": "avion",
            "redis.user": redis_user(service),
        }
    if service.buckets:
        s3 = stores["object_storage"]
        scheme = "https" if s3.kind == "s3" else "http"
        values |= {
            "buckets.endpoint": f"{scheme}://{s3.host}:{s3.ports[0]}",
            "buckets.buckets": ",".join(service.buckets),
        }
    if service.search:
        search = stores["meilisearch"]
        values["search.url"] = f"http://{search.host}:{search.ports[0]}"
    declared = {var.key: var for var in variables(service_spec(service))}
    env = []
    for key, value in values.items():
        var = declared.get(key)
        if var is None or var.secret:
            raise AvionError(
                f"chart of {service.name}: {key} is not a plain setting of the service"
            )
        env.append({"name": var.env, "value": value})
    prefix = service.env_prefix + "_"
    secrets = [v.env.lower() for v in declared.values() if v.secret and v.env.startswith(prefix)]
    return env, secrets


def datastore_rules(platform: Platform, service: Service) -> list[dict[str, Any]]:
    """Egress the service needs: only the datastores config says it uses."""
    stores = datastore_endpoints(platform)
    used: list[tuple[str, bool]] = []
    if service.database:
        used.append(("postgres", True))
    if service.redis_namespaces:
        used.append(("redis", False))
    if service.buckets:
        used.append(("object_storage", False))
    if service.search:
        used.append(("meilisearch", False))
    rules = []
    for key, for_migrations in used:
        store = stores[key]
        rule: dict[str, Any] = {"name": store.kind, "ports": list(store.ports)}
        if store.pod_labels is None:
            rule["ipBlock"] = {"cidr": "0.0.0.0/0", "except": list(PRIVATE_RANGES)}
        else:
            rule["podLabels"] = dict(store.pod_labels)
        if for_migrations:
            rule["migrations"] = True
        rules.append(rule)
    return rules


def _secrets(service: Service, keys: list[str]) -> dict[str, Any]:
    return {"secretName": f"{service.name}-credentials", "mountPath": SECRETS_MOUNT, "keys": keys}


def chart_secrets(platform: Platform, service: Service) -> dict[str, Any]:
    """The ``secrets`` part of :func:`chart_values` alone (the deploy docs list them)."""
    return _secrets(service, _settings(platform, service)[1])


def chart_values(platform: Platform, service: Service) -> dict[str, Any]:
    """The complete values of ``service``'s chart in ``platform``'s environment."""
    env = platform.environment
    zones = len(env.zones)
    scaling = service.autoscaling
    replicas = max(service.replicas, scaling.min_replicas if scaling else 0)
    floor = scaling.min_replicas if scaling else replicas
    plain_env, secret_files = _settings(platform, service)
    return {
        "partOf": platform.name,
        "environment": env.name,
        "image": {
            "repository": platform.image(service.name),
            "tag": "",
            "digest": "",
            "pullPolicy": "IfNotPresent",
        },
        "replicaCount": replicas,
        "ports": {"http": service.http_port, "grpc": service.grpc_port},
        "probes": {
            "readiness": _probe(HEALTH_PATHS["readiness"], period=10, failures=3),
            "liveness": _probe(HEALTH_PATHS["liveness"], period=10, failures=3),
            # Up to 150 s to start before liveness takes over.
            "startup": _probe(HEALTH_PATHS["startup"], period=5, failures=30),
        },
        "resources": {
            "requests": {
                "cpu": service.resources.cpu_request,
                "memory": service.resources.memory_request,
            },
            "limits": {
                "cpu": service.resources.cpu_limit,
                "memory": service.resources.memory_limit,
            },
        },
        "podSecurityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS_ID,
            "runAsGroup": RUN_AS_ID,
            "fsGroup": RUN_AS_ID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containerSecurityContext": {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "tmpVolume": {"sizeLimit": "64Mi"},
        "serviceAccount": {"name": "", "automountToken": False},
        "env": plain_env,
        "secrets": _secrets(service, secret_files),
        "autoscaling": {
            "enabled": scaling is not None,
            "minReplicas": scaling.min_replicas if scaling else replicas,
            "maxReplicas": scaling.max_replicas if scaling else replicas,
            "targetCPUUtilizationPercentage": scaling.target_cpu_percent if scaling else 80,
        },
        # A budget only makes sense with a pod to spare.
        "podDisruptionBudget": {"enabled": floor >= 2, "maxUnavailable": 1},
        "topologySpread": {
            "enabled": zones >= 2,
            "topologyKey": "topology.kubernetes.io/zone",
            "maxSkew": 1,
            "whenUnsatisfiable": "DoNotSchedule" if zones >= 3 else "ScheduleAnyway",
        },
        "metrics": {
            "enabled": True,
            "path": METRICS_PATH,
            "serviceMonitor": {
                "enabled": True,
                "interval": platform.monitoring.scrape_interval,
                "labels": {"release": "kube-prometheus-stack"},
            },
        },
        "prometheusRule": service_rule_values(platform, service),
        "ingress": {
            "enabled": True,
            "className": "nginx",
            "host": f"{service.name}.{env.domain}",
            "tlsSecretName": "" if env.kind == "local" else f"{service.name}-tls",
        },
        "migrations": {
            "enabled": service.database is not None,
            "command": migration_command(service) if service.database else [],
            "backoffLimit": 1,
            "activeDeadlineSeconds": 600,
        },
        "networkPolicy": {
            "enabled": True,
            "ingressController": {
                "namespace": INGRESS_NAMESPACE,
                "podLabels": {"app.kubernetes.io/name": "ingress-nginx"},
            },
            "prometheus": {
                "namespace": MONITORING_NAMESPACE,
                "podLabels": {"app.kubernetes.io/name": "prometheus"},
            },
            "dns": {"namespace": "kube-system", "podLabels": {"k8s-app": "kube-dns"}, "port": 53},
            "peers": {"podLabels": {"app.kubernetes.io/part-of": platform.name}},
            "datastores": datastore_rules(platform, service),
        },
    }


def _probe(path: str, *, period: int, failures: int) -> dict[str, Any]:
    return {
        "path": path,
        "periodSeconds": period,
        "timeoutSeconds": 2,
        "failureThreshold": failures,
    }


# -- values.schema.json -------------------------------------------------------------------------


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def values_schema(workspace_schema: Mapping[str, Any]) -> dict[str, Any]:
    """The charts' values schema: the workspace schema's quantities, ports and scaling limits.

    ``resources`` is the workspace ``$defs/resources`` as is (Kubernetes has the same shape);
    ``autoscaling`` takes its bounds from ``$defs/autoscaling`` under Helm's camelCase names.
    Security settings the restricted profile needs are constants: values cannot weaken them.
    """
    defs = workspace_schema["$defs"]
    scaling = defs["autoscaling"]["properties"]
    renamed = {"target_cpu_percent": "targetCPUUtilizationPercentage"}
    scaling_props = {renamed.get(k, _camel(k)): dict(v) for k, v in scaling.items()}
    replicas = workspace_schema["properties"]["service_defaults"]["properties"]["replicas"]
    probe = _object(
        {
            "path": {"type": "string", "pattern": "^/"},
            "periodSeconds": {"type": "integer", "minimum": 1},
            "timeoutSeconds": {"type": "integer", "minimum": 1},
            "failureThreshold": {"type": "integer", "minimum": 1},
        }
    )
    labels = {"type": "object", "additionalProperties": {"type": "string"}}
    peer = _object(
        {"namespace": {"$ref": "#/$defs/label"}, "podLabels": labels}, required=["podLabels"]
    )
    datastore = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "ports"],
        "properties": {
            "name": {"type": "string"},
            "ports": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/port"}},
            "podLabels": labels,
            "ipBlock": _object(
                {
                    "cidr": {"type": "string"},
                    "except": {"type": "array", "items": {"type": "string"}},
                },
                required=["cidr"],
            ),
            "migrations": {"type": "boolean"},
        },
        "oneOf": [{"required": ["podLabels"]}, {"required": ["ipBlock"]}],
    }
    rule = _object(
        {
            "alert": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9]*$"},
            "expr": {"type": "string", "minLength": 1},
            "for": {"$ref": "#/$defs/duration"},
            "labels": labels,
            "annotations": _object(
                {
                    "summary": {"type": "string"},
                    "description": {"type": "string"},
                    "runbook_url": {"type": "string", "pattern": "^https://"},
                },
                required=["summary", "runbook_url"],
            ),
        },
        required=["alert", "expr", "labels", "annotations"],
    )
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft-07/schema#",
        "title": "Avion service chart values",
        "description": f"Derived from {SCHEMA_SOURCE} by the Avion workspace; do not edit.",
        "$defs": {
            "label": defs["label"],
            "port": defs["port"],
            "cpu": defs["cpu"],
            "memory": defs["memory"],
            "duration": defs["duration"],
            "resources": defs["resources"],
            "autoscaling": _object(
                {"enabled": {"type": "boolean"}, **scaling_props},
                required=["enabled", *scaling_props],
            ),
        },
        **_object(
            {
                "global": {"type": "object"},
                # Helm adds each dependency's values under its name, the library's included.
                LIBRARY: {"type": "object"},
                "nameOverride": {"type": "string"},
                "fullnameOverride": {"type": "string"},
                "namespaceOverride": {"type": "string"},
                "partOf": {"$ref": "#/$defs/label"},
                "environment": {"$ref": "#/$defs/label"},
                "image": _object(
                    {
                        "repository": {"type": "string", "minLength": 1},
                        "tag": {"type": "string"},
                        "digest": {"type": "string", "pattern": "^(sha256:[0-9a-f]{64})?$"},
                        "pullPolicy": {"enum": ["Always", "IfNotPresent"]},
                    },
                    required=["repository", "tag", "pullPolicy"],
                ),
                "replicaCount": dict(replicas),
                "ports": _object(
                    {"http": {"$ref": "#/$defs/port"}, "grpc": {"$ref": "#/$defs/port"}},
                    required=["http", "grpc"],
                ),
                "probes": _object(
                    {"readiness": probe, "liveness": probe, "startup": probe},
                    required=["readiness", "liveness", "startup"],
                ),
                "resources": {"$ref": "#/$defs/resources"},
                "podSecurityContext": _object(
                    {
                        "runAsNonRoot": {"const": True},
                        "runAsUser": {"type": "integer", "minimum": 1},
                        "runAsGroup": {"type": "integer", "minimum": 1},
                        "fsGroup": {"type": "integer", "minimum": 1},
                        "seccompProfile": _object(
                            {"type": {"enum": ["RuntimeDefault", "Localhost"]}}, required=["type"]
                        ),
                    },
                    required=["runAsNonRoot", "runAsUser", "seccompProfile"],
                ),
                "containerSecurityContext": _object(
                    {
                        "runAsNonRoot": {"const": True},
                        "allowPrivilegeEscalation": {"const": False},
                        "readOnlyRootFilesystem": {"const": True},
                        "capabilities": _object(
                            {"drop": {"type": "array", "contains": {"const": "ALL"}}},
                            required=["drop"],
                        ),
                    },
                    required=[
                        "runAsNonRoot",
                        "allowPrivilegeEscalation",
                        "readOnlyRootFilesystem",
                        "capabilities",
                    ],
                ),
                "tmpVolume": _object(
                    {"sizeLimit": {"$ref": "#/$defs/memory"}}, required=["sizeLimit"]
                ),
                "serviceAccount": _object(
                    {"name": {"type": "string"}, "automountToken": {"const": False}},
                    required=["name", "automountToken"],
                ),
                "env": {
                    "type": "array",
                    "items": _object(
                        {
                            "name": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
                            "value": {"type": "string"},
                        },
                        required=["name", "value"],
                    ),
                },
                "secrets": _object(
                    {
                        "secretName": {"$ref": "#/$defs/label"},
                        "mountPath": {"type": "string", "pattern": "^/"},
                        "keys": {
                            "type": "array",
                            "items": {"type": "string", "pattern": "^[a-z0-9_]+$"},
                        },
                    },
                    required=["secretName", "mountPath", "keys"],
                ),
                "autoscaling": {"$ref": "#/$defs/autoscaling"},
                "podDisruptionBudget": _object(
                    {
                        "enabled": {"type": "boolean"},
                        "maxUnavailable": {"type": "integer", "minimum": 1},
                    },
                    required=["enabled", "maxUnavailable"],
                ),
                "topologySpread": _object(
                    {
                        "enabled": {"type": "boolean"},
                        "topologyKey": {"type": "string", "minLength": 1},
                        "maxSkew": {"type": "integer", "minimum": 1},
                        "whenUnsatisfiable": {"enum": ["DoNotSchedule", "ScheduleAnyway"]},
                    },
                    required=["enabled", "topologyKey", "maxSkew", "whenUnsatisfiable"],
                ),
                "metrics": _object(
                    {
                        "enabled": {"type": "boolean"},
                        "path": {"type": "string", "pattern": "^/"},
                        "serviceMonitor": _object(
                            {
                                "enabled": {"type": "boolean"},
                                "interval": {"$ref": "#/$defs/duration"},
                                "labels": labels,
                            },
                            required=["enabled", "interval"],
                        ),
                    },
                    required=["enabled", "path", "serviceMonitor"],
                ),
                "prometheusRule": _object(
                    {
                        "enabled": {"type": "boolean"},
                        "interval": {"$ref": "#/$defs/duration"},
                        "labels": labels,
                        "rules": {"type": "array", "items": rule},
                    },
                    required=["enabled", "interval", "rules"],
                ),
                "ingress": _object(
                    {
                        "enabled": {"type": "boolean"},
                        "className": {"type": "string", "minLength": 1},
                        "host": workspace_schema["properties"]["environments"][
                            "additionalProperties"
                        ]["properties"]["domain"],
                        "tlsSecretName": {"type": "string"},
                    },
                    required=["enabled", "className", "host", "tlsSecretName"],
                ),
                "migrations": _object(
                    {
                        "enabled": {"type": "boolean"},
                        "command": {"type": "array", "items": {"type": "string"}},
                        "backoffLimit": {"type": "integer", "minimum": 0},
                        "activeDeadlineSeconds": {"type": "integer", "minimum": 1},
                    },
                    required=["enabled", "command", "backoffLimit", "activeDeadlineSeconds"],
                ),
                "networkPolicy": _object(
                    {
                        "enabled": {"type": "boolean"},
                        "ingressController": peer,
                        "prometheus": peer,
                        "dns": _object(
                            {
                                "namespace": {"$ref": "#/$defs/label"},
                                "podLabels": labels,
                                "port": {"$ref": "#/$defs/port"},
                            },
                            required=["namespace", "podLabels", "port"],
                        ),
                        "peers": peer,
                        "datastores": {"type": "array", "items": datastore},
                    },
                    required=[
                        "enabled",
                        "ingressController",
                        "prometheus",
                        "dns",
                        "peers",
                        "datastores",
                    ],
                ),
            },
            required=[
                "partOf",
                "environment",
                "image",
                "replicaCount",
                "ports",
                "probes",
                "resources",
                "podSecurityContext",
                "containerSecurityContext",
                "tmpVolume",
                "serviceAccount",
                "env",
                "secrets",
                "autoscaling",
                "podDisruptionBudget",
                "topologySpread",
                "metrics",
                "prometheusRule",
                "ingress",
                "migrations",
                "networkPolicy",
            ],
        ),
    }
    return schema


def _object(properties: dict[str, Any], *, required: Iterable[str] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }
    names = list(required)
    if names:
        out["required"] = names
    return out


# -- static chart files -------------------------------------------------------------------------


@cache
def _static_sources(package_dir: str) -> tuple[tuple[str, str], ...]:
    """Every file under ``templates/<package_dir>`` as (relative path, text), sorted."""
    root = resources.files("avion_workspace.render").joinpath("templates", *package_dir.split("/"))
    found: list[tuple[str, str]] = []

    def walk(node: Any, prefix: str) -> None:
        for child in node.iterdir():
            rel = f"{prefix}{child.name}"
            if child.is_dir():
                walk(child, rel + "/")
            elif not child.name.endswith((".pyc", "~")):
                found.append((rel, child.read_text(encoding="utf-8")))

    walk(root, "")
    return tuple(sorted(found))


def static_files(package_dir: str, target_dir: str) -> Iterable[GeneratedFile]:
    """Copy a template folder verbatim (Helm templates are not Jinja), stamping each file.

    ``helmignore`` is stored without its dot so packaging tools don't apply it to the package.
    """
    source = f"src/avion_workspace/render/templates/{package_dir}"
    for name, content in _stamped_static(package_dir):
        yield GeneratedFile(f"{target_dir}/{name}", content, source)


@cache
def _stamped_static(package_dir: str) -> tuple[tuple[str, bytes], ...]:
    """(name, stamped content) of each file of a template folder: the same bytes in every
    service's chart (the header names the folder, and its comment syntax the file's name)."""
    source = f"src/avion_workspace/render/templates/{package_dir}"
    out = []
    for rel, text in _static_sources(package_dir):
        name = ".helmignore" if rel == "helmignore" else rel
        out.append((name, stamp(name, text, source)))
    return tuple(out)


def _chart_yaml(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v2", **fields}


@cache
def workspace_schema() -> Mapping[str, Any]:
    """The workspace's config schema (values.schema.json derives from it)."""
    from avion_workspace.config.validate import SCHEMA_FILE
    from avion_workspace.workspace import resolve_config_dir

    path = resolve_config_dir(None) / SCHEMA_FILE
    data: Mapping[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def charts(context: RenderContext) -> Iterable[GeneratedFile]:
    """charts/avion-common (library) and charts/<service>/ for every service."""
    library_dir = f"{CHARTS_DIR}/{LIBRARY}"
    yield yaml_file(
        f"{library_dir}/Chart.yaml",
        _chart_yaml(
            name=LIBRARY,
            description="Shared templates of the Avion service charts (names, labels, workloads, "
            "policies, monitoring, migrations).",
            type="library",
            version=CHART_VERSION,
            appVersion=APP_VERSION,
            kubeVersion=KUBE_VERSION_RANGE,
        ),
    )
    yield from static_files("charts/avion-common", library_dir)
    # One values schema for every chart: serialized once (json.dumps was a tenth of the render).
    schema = json_file("values.schema.json", values_schema(workspace_schema()), SCHEMA_SOURCE)
    local = context.local
    for name, service in local.services.items():
        directory = chart_dir(name)
        yield yaml_file(
            f"{directory}/Chart.yaml",
            _chart_yaml(
                name=name,
                description=service.description,
                type="application",
                version=CHART_VERSION,
                appVersion=APP_VERSION,
                kubeVersion=KUBE_VERSION_RANGE,
                dependencies=[
                    {
                        "name": LIBRARY,
                        "version": CHART_VERSION,
                        "repository": f"file://../{LIBRARY}",
                    }
                ],
            ),
        )
        defaults = to_yaml(chart_values(local, service))  # emitted once, written twice
        yield yaml_text_file(
            f"{directory}/values.yaml",
            defaults,
            comment=f"Defaults: the {local.environment.name} environment. "
            "values-<env>.yaml holds each environment's full settings.",
        )
        for env_name, platform in context.platforms.items():
            env_service = platform.services.get(name)
            if env_service is None:
                continue
            path = f"{directory}/values-{env_name}.yaml"
            if platform is local:
                yield yaml_text_file(path, defaults)
            else:
                yield yaml_file(path, chart_values(platform, env_service))
        yield replace(schema, path=f"{directory}/values.schema.json")
        yield from static_files("charts/app", directory)
