"""Control's answers to other apps' signals (they cannot import control: arrows point down)."""

from __future__ import annotations

from django.dispatch import receiver

from fangkong.areas.selectors import responsible_for
from fangkong.control.models import ControlOrder, ScheduledTest
from fangkong.healthcodes.services import codes_follow_person
from fangkong.people.signals import person_moved


@receiver(person_moved)
def move_open_orders(sender, *, person, from_area_code: str, by, **kwargs) -> None:
    """A person who moved (an accepted transfer) takes their open orders along: the new area's worker owns
    them, their tests still due are counted there, and each order's history records the move."""
    owner = responsible_for(person.area_code, person.household)
    for order in ControlOrder.objects.select_for_update().filter(person=person, status__in=ControlOrder.OPEN):
        order.area_code, order.owner = person.area_code, owner
        order._history_user = by if getattr(by, "pk", None) else None
        order._change_reason = f"person moved from {from_area_code}"
        order.save(update_fields=["area_code", "owner"])
        ScheduledTest.objects.filter(order=order, status=ScheduledTest.Status.DUE).update(area_code=person.area_code)
    codes_follow_person(person)
