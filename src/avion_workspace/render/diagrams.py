"""Infrastructure diagrams from config: one SVG per environment, laid out and drawn in Python.

Columns, left to right: the ingress, the services, their PostgreSQL databases, the Redis
namespaces, the buckets and search, and the CDN in front of its buckets; monitoring runs along
the bottom. The layout is a grid computed from the model with integer coordinates and a
monospace font (so text width is known without font metrics), and the SVG is written by
``xml.etree``: the same config gives byte-identical files on every machine, with no Graphviz.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from avion_workspace.config.model import Platform
from avion_workspace.render.plan import (
    PLATFORM_SOURCE,
    GeneratedFile,
    RenderContext,
    header_lines,
    stamp,
)

DIAGRAM_DIR = "docs/diagrams"
SVG_NS = "http://www.w3.org/2000/svg"
FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
FONT_SIZE = 12
CHAR_WIDTH = 8  # a generous monospace advance at 12px: labels never overflow their box
LINE_HEIGHT = 16
PAD = 10
ROW_GAP = 12
COLUMN_GAP = 56
MARGIN = 24
TITLE_HEIGHT = 56

# How each object storage provider of config is named on a bucket.
STORAGE_LABELS = {"s3": "AWS S3", "minio": "MinIO", "versitygw": "Versity S3 Gateway"}

# Fill and stroke per kind of node.
STYLE: dict[str, tuple[str, str]] = {
    "edge": ("#fff4e5", "#d9822b"),
    "service": ("#e8f1fb", "#2b6cb0"),
    "database": ("#e9f7ef", "#2f855a"),
    "redis": ("#fdecec", "#c53030"),
    "bucket": ("#f3e8fd", "#6b46c1"),
    "search": ("#fff9db", "#b7791f"),
    "monitoring": ("#f0f0f0", "#4a5568"),
}


@dataclass(frozen=True)
class Node:
    id: str
    kind: str
    lines: tuple[str, ...]
    x: int = 0
    y: int = 0
    width: int = 0

    @property
    def height(self) -> int:
        return PAD * 2 + LINE_HEIGHT * len(self.lines)

    @property
    def left(self) -> tuple[int, int]:
        return self.x, self.y + self.height // 2

    @property
    def right(self) -> tuple[int, int]:
        return self.x + self.width, self.y + self.height // 2


def _text_width(lines: Sequence[str]) -> int:
    return max(len(line) for line in lines) * CHAR_WIDTH + PAD * 2


def _stack(nodes: Sequence[Node], x: int, top: int) -> list[Node]:
    """Place ``nodes`` one under another in a column of the widest node's width."""
    width = max((_text_width(n.lines) for n in nodes), default=0)
    placed, y = [], top
    for node in nodes:
        placed.append(Node(node.id, node.kind, node.lines, x, y, width))
        y += node.height + ROW_GAP
    return placed


def _bottom(nodes: Iterable[Node]) -> int:
    return max((n.y + n.height for n in nodes), default=0)


@dataclass(frozen=True)
class Layout:
    title: str
    subtitle: str
    nodes: tuple[Node, ...]
    edges: tuple[tuple[str, str, str], ...]  # (from id, to id, style: solid | dashed)
    width: int
    height: int


def layout(platform: Platform) -> Layout:
    """Where every box and line of ``platform``'s diagram goes (pure, integer coordinates)."""
    env = platform.environment
    services = list(platform.services.values())
    edges: list[tuple[str, str, str]] = []
    top = MARGIN + TITLE_HEIGHT

    ingress_lines = (
        ("ingress-nginx", f"https://{env.domain}")
        if env.kind == "kubernetes"
        else ("local ports", f"*.{env.domain}")
    )
    local = env.kind == "local"
    service_nodes = [
        Node(
            f"service:{s.name}",
            "service",
            (
                s.name,
                f"localhost:{s.local_http_port} / grpc {s.local_grpc_port}"
                if local
                else f"http {s.http_port} / grpc {s.grpc_port}",
                f"replicas {s.replicas}",
            ),
        )
        for s in services
    ]
    database_nodes = [
        Node(
            f"db:{s.database}", "database", (s.database, f"PostgreSQL {platform.postgres.version}")
        )
        for s in services
        if s.database
    ]
    redis_nodes = [
        Node(f"redis:{ns.name}", "redis", (ns.key_pattern, f"Redis {platform.redis.version}"))
        for ns in platform.redis.namespaces.values()
    ]
    store = STORAGE_LABELS.get(platform.object_storage.provider, platform.object_storage.provider)
    bucket_nodes = [
        Node(f"bucket:{b.name}", "bucket", (b.name, f"{store}{' · CDN origin' if b.cdn else ''}"))
        for b in platform.object_storage.buckets.values()
    ]
    search_nodes = [
        Node("search", "search", (platform.search.engine, f"v{platform.search.version}"))
    ]

    # The ingress sits left of the services, centred on them.
    ingress_width = _text_width(ingress_lines)
    x = MARGIN + ingress_width + COLUMN_GAP
    columns: list[list[Node]] = [_stack(service_nodes, x, top)]
    x += columns[0][0].width + COLUMN_GAP // 2
    # Each database sits on its service's row: one short straight line per service.
    row_of = {f"db:{s.database}": n.y for s, n in zip(services, columns[0], strict=True)}
    db_width = max((_text_width(n.lines) for n in database_nodes), default=0)
    columns.append(
        [
            Node(n.id, n.kind, n.lines, x, row_of[n.id] + (LINE_HEIGHT // 2), db_width)
            for n in database_nodes
        ]
    )
    x += db_width + COLUMN_GAP * 2
    for column in (redis_nodes, [*bucket_nodes, *search_nodes]):
        placed = _stack(column, x, top)
        columns.append(placed)
        x += (placed[0].width if placed else 0) + COLUMN_GAP
    services_mid = (top + _bottom(columns[0])) // 2
    ingress = Node("ingress", "edge", ingress_lines, MARGIN, 0, ingress_width)
    ingress = Node(
        ingress.id,
        ingress.kind,
        ingress.lines,
        MARGIN,
        services_mid - ingress.height // 2,
        ingress_width,
    )
    nodes = [ingress, *(n for c in columns for n in c)]

    for service in services:
        edges.append(("ingress", f"service:{service.name}", "solid"))
        if service.database:
            edges.append((f"service:{service.name}", f"db:{service.database}", "solid"))
        edges.extend(
            (f"service:{service.name}", f"redis:{ns}", "solid") for ns in service.redis_namespaces
        )
        edges.extend((f"service:{service.name}", f"bucket:{b}", "solid") for b in service.buckets)
        if service.search:
            edges.append((f"service:{service.name}", "search", "solid"))

    right_edge = max(n.x + n.width for n in nodes)
    cdn = env.cdn
    if cdn is not None and platform.cdn_buckets:
        served = [
            n for n in columns[3] if n.id in {f"bucket:{b.name}" for b in platform.cdn_buckets}
        ]
        lines = (
            "CloudFront (CDN)",
            "HTTPS only · HTTP/2+3",
            f"default: {cdn.default_cache_policy}",
            *(f"{pattern}: {policy.name}" for pattern, policy in cdn.path_policies),
        )
        width = _text_width(lines)
        mid = (served[0].y + _bottom(served)) // 2
        node = Node("cdn", "edge", lines, right_edge + COLUMN_GAP, 0, width)
        node = Node(node.id, node.kind, node.lines, node.x, max(top, mid - node.height // 2), width)
        nodes.append(node)
        edges.extend(("cdn", n.id, "solid") for n in served)
        right_edge = node.x + width

    monitoring = platform.monitoring
    mon_lines = (
        f"Prometheus scrapes every service ({monitoring.scrape_interval}, kept {monitoring.retention})"
        f" · Grafana · Loki ({monitoring.loki_retention})"
        f" · Alertmanager → {', '.join(monitoring.alert_receivers)}",
    )
    mon_y = _bottom(nodes) + ROW_GAP * 3
    mon_width = max(_text_width(mon_lines), right_edge - MARGIN)
    nodes.append(Node("monitoring", "monitoring", mon_lines, MARGIN, mon_y, mon_width))
    if services:  # one arrow for all: it scrapes every service's ServiceMonitor
        edges.append(("monitoring", f"service:{services[-1].name}", "dashed"))

    zones = ", ".join(env.zones) if env.zones else "one machine"
    subtitle = f"{env.kind} · namespace {env.namespace} · zones: {zones}"
    if env.cluster:
        subtitle += f" · cluster {env.cluster}"
    width = max(n.x + n.width for n in nodes) + MARGIN
    height = _bottom(nodes) + MARGIN
    return Layout(
        f"{platform.name} — {env.name}", subtitle, tuple(nodes), tuple(edges), width, height
    )


@functools.cache
def _attr_name(key: str) -> str:
    """``font_family`` → ``font-family``, ``class_`` → ``class`` (a handful of names, ~8k uses)."""
    return key.rstrip("_").replace("_", "-")


def _attrs(**values: object) -> dict[str, str]:
    return {_attr_name(key): str(value) for key, value in values.items()}


def _edge_path(start: Node, end: Node) -> str:
    if end.id.startswith("service:") and start.id == "monitoring":
        # From the monitoring bar straight up to the service's bottom edge.
        x = end.x + end.width // 2
        return f"M {x} {start.y} V {end.y + end.height}"
    (x1, y1), (x2, y2) = start.right, end.left
    if start.x > end.x:  # the CDN, right of what it serves
        (x1, y1), (x2, y2) = start.left, end.right
    mid = (x1 + x2) // 2
    return f"M {x1} {y1} C {mid} {y1}, {mid} {y2}, {x2} {y2}"


def to_svg(diagram: Layout) -> str:
    """The SVG text of a laid-out diagram (deterministic: insertion-ordered attributes)."""
    ET.register_namespace("", SVG_NS)
    svg = ET.Element(
        f"{{{SVG_NS}}}svg",
        _attrs(
            width=diagram.width,
            height=diagram.height,
            viewBox=f"0 0 {diagram.width} {diagram.height}",
            font_family=FONT,
            font_size=FONT_SIZE,
            role="img",
        ),
    )
    ET.SubElement(svg, f"{{{SVG_NS}}}title").text = f"{diagram.title}: {diagram.subtitle}"
    defs = ET.SubElement(svg, f"{{{SVG_NS}}}defs")
    marker = ET.SubElement(
        defs,
        f"{{{SVG_NS}}}marker",
        _attrs(
            id="arrow",
            viewBox="0 0 10 10",
            refX=10,
            refY=5,
            markerWidth=7,
            markerHeight=7,
            orient="auto-start-reverse",
        ),
    )
    ET.SubElement(marker, f"{{{SVG_NS}}}path", _attrs(d="M 0 0 L 10 5 L 0 10 z", fill="#718096"))
    ET.SubElement(svg, f"{{{SVG_NS}}}rect", _attrs(width="100%", height="100%", fill="#ffffff"))
    title = ET.SubElement(
        svg, f"{{{SVG_NS}}}text", _attrs(x=MARGIN, y=MARGIN + 8, font_size=18, font_weight="bold")
    )
    title.text = diagram.title
    subtitle = ET.SubElement(
        svg, f"{{{SVG_NS}}}text", _attrs(x=MARGIN, y=MARGIN + 30, fill="#4a5568")
    )
    subtitle.text = diagram.subtitle

    by_id = {n.id: n for n in diagram.nodes}
    lines = ET.SubElement(svg, f"{{{SVG_NS}}}g", _attrs(fill="none", stroke_opacity="0.7"))
    for source, target, style in diagram.edges:
        # An edge takes the colour of what it reaches: who uses Redis, who uses buckets.
        colour = STYLE[by_id[target].kind][1] if by_id[target].kind != "service" else "#718096"
        attrs = _attrs(
            d=_edge_path(by_id[source], by_id[target]), stroke=colour, marker_end="url(#arrow)"
        )
        if style == "dashed":
            attrs["stroke-dasharray"] = "4 4"
        ET.SubElement(lines, f"{{{SVG_NS}}}path", attrs)
    for node in diagram.nodes:
        fill, stroke = STYLE[node.kind]
        group = ET.SubElement(svg, f"{{{SVG_NS}}}g", _attrs(id=node.id.replace(":", "-")))
        ET.SubElement(
            group,
            f"{{{SVG_NS}}}rect",
            _attrs(
                x=node.x,
                y=node.y,
                width=node.width,
                height=node.height,
                rx=6,
                fill=fill,
                stroke=stroke,
            ),
        )
        for index, line in enumerate(node.lines):
            text = ET.SubElement(
                group,
                f"{{{SVG_NS}}}text",
                _attrs(x=node.x + PAD, y=node.y + PAD + LINE_HEIGHT * index + FONT_SIZE),
            )
            if index == 0:
                text.set("font-weight", "bold")
            text.text = line
    ET.indent(svg, space="  ")
    # The generated-file header first; XML comments may not contain "--", so its first line only.
    header = ET.Comment(f" {header_lines(PLATFORM_SOURCE)[0]} ")
    return (
        ET.tostring(header, encoding="unicode") + "\n" + ET.tostring(svg, encoding="unicode") + "\n"
    )


def diagram_file(platform: Platform) -> GeneratedFile:
    path = f"{DIAGRAM_DIR}/{platform.environment.name}.svg"
    return GeneratedFile(path, to_svg(layout(platform)).encode("utf-8"), PLATFORM_SOURCE)


def _index_page(platforms: Iterable[Platform]) -> str:
    lines = [
        "# Infrastructure diagrams",
        "",
        "One diagram per environment, drawn from `config/platform.yaml` and its overlays by",
        "`inv render` (`src/avion_workspace/render/diagrams.py`). Change the config, render, and the",
        "diagram follows; `inv render --check` fails when a committed diagram is stale.",
        "",
        "Read each left to right: the ingress, the services (container ports, replicas), their",
        "PostgreSQL databases, the Redis key namespaces they may use, the buckets and search, and the",
        "CDN in front of its buckets where the environment has one. Monitoring (dashed) scrapes every",
        "service.",
        "",
    ]
    for platform in platforms:
        env = platform.environment.name
        lines += [f"## {env}", "", f"![{env} infrastructure]({env}.svg)", ""]
    return "\n".join(lines)


def diagrams(context: RenderContext) -> Iterable[GeneratedFile]:
    """docs/diagrams/<env>.svg for every environment, and the page that shows them."""
    for platform in context.platforms.values():
        yield diagram_file(platform)
    path = f"{DIAGRAM_DIR}/index.md"
    yield GeneratedFile(
        path, stamp(path, _index_page(context.platforms.values()), PLATFORM_SOURCE), PLATFORM_SOURCE
    )
