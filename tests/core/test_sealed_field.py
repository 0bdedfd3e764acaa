"""One field type for sealed values: every sealed column is one, none is offered by a form, and the name that the
audit log drops is enforced at start-up."""

from __future__ import annotations

from django import forms
from django.apps import apps

from fangkong.core.fields import SealedField
from fangkong.people.models import Person


def _fields():
    return [(model, f) for model in apps.get_models() for f in model._meta.get_fields() if hasattr(f, "column")]


def test_every_sealed_column_has_the_sealed_type_and_every_sealed_type_says_so_in_its_name():
    named = {(m._meta.label, f.name) for m, f in _fields() if f.name.endswith("_sealed")}
    typed = {(m._meta.label, f.name) for m, f in _fields() if isinstance(f, SealedField)}
    assert named == typed
    assert ("people.Person", "id_number_sealed") in typed and ("imports.ImportReject", "raw_sealed") in typed


def test_no_form_offers_a_sealed_value():
    class Everything(forms.ModelForm):
        class Meta:
            model = Person
            fields = "__all__"  # noqa: DJ007 - on purpose: every field a form could offer

    assert not [name for name in Everything.base_fields if name.endswith("_sealed")]
    assert "name" in Everything.base_fields  # the form is a real one


def test_a_sealed_field_under_another_name_fails_the_system_check():
    field = SealedField(blank=True, default="")
    field.set_attributes_from_name("phone")
    assert [e.id for e in field._check_sealed_name()] == ["fangkong.E001"]
    well_named = SealedField(blank=True, default="")
    well_named.set_attributes_from_name("phone_sealed")
    assert well_named._check_sealed_name() == []
