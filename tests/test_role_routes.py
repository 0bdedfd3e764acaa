"""Generated over every API operation that writes × every role: a role whose grants lack the operation's action
is refused with 403 before its body is read (a malformed body proves it), and no write operation is left
without an action. A new route or role is covered without editing this file."""

from __future__ import annotations

import re

import pytest

from fangkong.api import api
from fangkong.core.api_support import ActionAllowed
from fangkong.core.permissions import granted
from fangkong.core.roles import Role
from tests.api.conftest import Api
from tests.conftest import make_user

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# POSTs that write nothing: a lookup by document (the number never in a URL) and the pure policy evaluator.
OPEN_WRITES = {("POST", "/api/v1/persons/search"), ("POST", "/api/v1/policy/evaluate")}


def _operations():
    out = []
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for op in view.operations:
                for method in op.methods:
                    url = "/api/v1" + (prefix + path).replace("//", "/")
                    out.append((method, url, op))
    return out


WRITE_OPS = [(m, u, op) for m, u, op in _operations() if m in WRITES and (m, u) not in OPEN_WRITES]


def _actions_of(op) -> tuple[str, ...]:
    return tuple(a for cb in op.auth_callbacks if isinstance(cb, ActionAllowed) for a in cb.actions)


def test_every_write_operation_names_its_action():
    missing = [f"{m} {u}" for m, u, op in WRITE_OPS if not _actions_of(op)]
    assert missing == [], "write operations without auth=allowed_to(ACTION): " + ", ".join(missing)


@pytest.mark.parametrize("role", list(Role.values))
def test_a_role_without_the_action_gets_403_before_the_body_is_read(tree, role):
    user = make_user(f"r-{role}", tree["county_a"].code, role)
    client = Api(user)
    refused = []
    for method, url, op in WRITE_OPS:
        if any(a in granted(role) for a in _actions_of(op)):
            continue
        path = re.sub(r"\{[^}]+\}", "1", url).removeprefix("/api/v1")
        response = client.client.generic(method, "/api/v1" + path, "[1, 2", content_type="application/json",
                                         **client.headers)
        if response.status_code != 403:
            refused.append(f"{method} {url}: {response.status_code}")
    assert refused == [], f"{role}: answered other than 403: " + "; ".join(refused)
