"""Two schemas with the same class name share one OpenAPI component: the second silently replaces the
first, and clients (and the fuzz test) then validate answers against the wrong shape."""

from collections import defaultdict

from ninja import Schema

import fangkong.api  # noqa: F401 - mounts every router, importing every schema


def test_every_api_schema_has_a_name_of_its_own():
    modules_by_name = defaultdict(set)
    pending = [Schema]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub.__module__.startswith("fangkong."):
                modules_by_name[sub.__name__].add(sub.__module__)
            pending.append(sub)
    assert {name: mods for name, mods in modules_by_name.items() if len(mods) > 1} == {}
