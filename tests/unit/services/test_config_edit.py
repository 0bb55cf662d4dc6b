"""Adding a service to platform.yaml as a text edit: what changes, what stays, what is refused."""

from __future__ import annotations

import difflib

import pytest
import yaml

from avion_workspace.config.loader import load_text
from avion_workspace.errors import ConfigError
from avion_workspace.services.config_edit import (
    NewService,
    add_service,
    allocate_ports,
    claimed_local_ports,
    name_problem,
)
from tests.support import FIXTURE_CONFIG

SOURCE = "config/platform.yaml"

SMALL = """\
# top comment
postgres:
    version: "17"
    databases:
        avion_a_db: {owner: avion_a}   # a's
        # a note inside the block
services:
    a:
        description: The a service
        local_ports: {http: 8101, grpc: 9101}
        database: avion_a_db

# monitoring keeps its comment
monitoring: {grafana: {local_port: 3000}}
"""


def test_the_new_service_and_its_database_are_added_and_nothing_else_changes() -> None:
    text = (FIXTURE_CONFIG / "platform.yaml").read_text()
    doc = load_text(text, SOURCE)
    new = NewService("direct-message", "Private messages: 1:1 only", redis=("cache", "queue"))
    result = add_service(text, doc, new, 8111, 9111)
    before, after = text.splitlines(), result.splitlines()
    opcodes = difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes()
    assert {tag for tag, *_ in opcodes} == {"equal", "insert"}  # nothing changed or removed
    added = [line for tag, _, _, j1, j2 in opcodes if tag == "insert" for line in after[j1:j2]]
    assert added == [
        "    avion_direct_message_db: {owner: avion_direct_message}",
        "  direct-message:",
        '    description: "Private messages: 1:1 only"',
        "    local_ports: {http: 8111, grpc: 9111}",
        "    database: avion_direct_message_db",
        "    redis: [cache, queue]",
    ]
    data = yaml.safe_load(result)
    assert data["services"]["direct-message"]["description"] == "Private messages: 1:1 only"
    assert list(data["services"])[-1] == "direct-message"
    assert data["postgres"]["databases"]["avion_direct_message_db"] == {
        "owner": "avion_direct_message"
    }


def test_indentation_and_comments_of_the_file_are_followed() -> None:
    doc = load_text(SMALL, SOURCE)
    new = NewService("b", "The b service", redis=(), buckets=("x",), search=True)
    result = add_service(SMALL, doc, new, 8102, 9102)
    assert result == SMALL.replace(
        "        # a note inside the block\n",
        "        # a note inside the block\n        avion_b_db: {owner: avion_b}\n",
    ).replace(
        "        database: avion_a_db\n",
        "        database: avion_a_db\n"
        "    b:\n"
        "        description: The b service\n"
        "        local_ports: {http: 8102, grpc: 9102}\n"
        "        database: avion_b_db\n"
        "        buckets: [x]\n"
        "        search: true\n",
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "Direct_Message",
            "service name 'Direct_Message' is not valid: use lowercase letters, digits and single "
            "'-' between them, starting with a letter (e.g. 'direct-message')",
        ),
        ("9lives", "service name '9lives' is not valid"),
        ("a--b", "service name 'a--b' is not valid"),
        ("trailing-", "service name 'trailing-' is not valid"),
        ("x" * 31, f"service name '{'x' * 31}' is 31 characters long; at most 30"),
    ],
)
def test_invalid_names_are_refused_saying_the_rule(name: str, message: str) -> None:
    problem = name_problem(name)
    assert problem is not None
    assert problem.startswith(message)
    with pytest.raises(ConfigError) as caught:
        add_service(SMALL, load_text(SMALL, SOURCE), NewService(name, "d"), 8102, 9102)
    assert caught.value.message == problem


def test_an_existing_service_is_refused_where_it_is_defined() -> None:
    with pytest.raises(ConfigError) as caught:
        add_service(SMALL, load_text(SMALL, SOURCE), NewService("a", "again"), 8102, 9102)
    assert caught.value.render() == (
        "config/platform.yaml:8:5: $.services.a: the service is defined here\n"
        "error: service 'a' already exists\n"
        "hint: choose another name, or edit the existing service"
    )


def test_a_database_already_declared_is_refused_where_it_is_declared() -> None:
    text = SMALL.replace(
        "avion_a_db: {owner: avion_a}",
        "avion_a_db: {owner: avion_a}\n        avion_c_db: {owner: avion_c}",
    )
    with pytest.raises(ConfigError) as caught:
        add_service(text, load_text(text, SOURCE), NewService("c", "c"), 8102, 9102)
    assert caught.value.message == "database 'avion_c_db' is already declared"
    assert str(caught.value.problems[0].location) == "config/platform.yaml:6:9"


def test_flow_style_services_are_refused_rather_than_rewritten() -> None:
    text = SMALL.replace(
        "services:\n    a:\n        description: The a service\n"
        "        local_ports: {http: 8101, grpc: 9101}\n        database: avion_a_db\n",
        "services: {a: {description: A, local_ports: {http: 8101, grpc: 9101}}}\n",
    )
    with pytest.raises(ConfigError, match=r"services is written in flow style"):
        add_service(text, load_text(text, SOURCE), NewService("b", "b"), 8102, 9102)


def test_ports_follow_the_highest_pair_and_skip_claimed_ones() -> None:
    base = {
        "postgres": {"local_port": 8103},
        "services": {
            "a": {"local_ports": {"http": 8101, "grpc": 9101}},
            "b": {"local_ports": {"http": 8102, "grpc": 9102}},
        },
        "monitoring": {"grafana": {"local_port": 9104}},
    }
    overlay = {**base, "search": {"local_port": 8105}}
    assert claimed_local_ports(base) == {8101, 8102, 8103, 9101, 9102, 9104}
    # 8103 (postgres), 9104 (grafana) and 8105 (search, in one environment only) are taken.
    assert allocate_ports([base, overlay]) == (8106, 9106)


@pytest.mark.parametrize("name", ["on", "off", "yes", "no", "true", "null"])
def test_a_name_yaml_would_read_as_a_bool_or_null_is_quoted(name: str) -> None:
    result = add_service(SMALL, load_text(SMALL, SOURCE), NewService(name, "d"), 8102, 9102)
    assert f'    "{name}":' in result.splitlines()
    assert name in load_text(result, SOURCE).data["services"]


@pytest.mark.parametrize("description", ["yes", "null", "12"])
def test_a_description_yaml_would_not_read_as_text_is_quoted(description: str) -> None:
    result = add_service(SMALL, load_text(SMALL, SOURCE), NewService("b", description), 8102, 9102)
    assert load_text(result, SOURCE).data["services"]["b"]["description"] == description


@pytest.mark.parametrize("description", ["two\nlines", "a\rb", "tab\there", "", "   "])
def test_a_description_that_is_not_one_line_is_refused(description: str) -> None:
    with pytest.raises(ConfigError) as caught:
        add_service(SMALL, load_text(SMALL, SOURCE), NewService("b", description), 8102, 9102)
    text = caught.value.render()
    assert "the description must be one line of text" in text
    assert "$.services.b.description" in text
    assert "hint: give one line" in text
