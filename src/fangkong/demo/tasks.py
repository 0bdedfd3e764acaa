"""The demo build as a background task, run by `fangkong worker`."""

from __future__ import annotations

from django_tasks import task

from .models import DemoBuild
from .services import demo_build


@task()
def build_demo_city(*, build_id: int, if_empty: bool = True, replace: bool = False) -> dict:
    build = DemoBuild.objects.get(pk=build_id)
    result = demo_build(people=build.people, seed=build.seed, if_empty=if_empty, replace=replace, build=build)
    out = result.as_dict()
    out.pop("users", None)  # the task result is stored: no passwords in it
    return out
