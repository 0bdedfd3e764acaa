"""Signals of people that other apps answer without people importing them (arrows point down)."""

from django.dispatch import Signal

# Sent inside the transaction that moved a person to another area (an accepted transfer request):
# sender=Person, person=..., from_area_code=..., by=... . Control moves the person's open orders along.
person_moved = Signal()
