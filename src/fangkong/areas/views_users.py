"""The users of an area, managed by its command (areas.user.manage): create, change role, area or unit,
deactivate, reset the password or the TOTP device. Every change is a service call, audited."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.models import Unit
from fangkong.core.permissions import granted, is_system, may
from fangkong.core.roles import Role
from fangkong.core.scoping import get_scoped_or_404, scope

from . import actions, services
from .forms import UserForm


def _require_manager(request) -> None:
    if not may(request.user, actions.USER_MANAGE):
        raise PermissionDenied(_("Your role may not manage users."))


def _grantable_roles(user) -> list[tuple[str, str]]:
    mine = granted(user.role)
    return [(value, label) for value, label in Role.choices
            if user.is_superuser or is_system(user) or actions.USER_MANAGE not in granted(value)
            or granted(value) <= mine]


def _form(request, *, editing=False, initial=None, data=None):
    return UserForm(data, initial=initial, roles=_grantable_roles(request.user), editing=editing,
                    units=scope(Unit.objects.filter(active=True), request.user).order_by("name"))


def _errors_into(form, exc: Exception) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, str(exc))


@login_required
def users(request):
    _require_manager(request)
    qs = scope(get_user_model().objects.all(), request.user).select_related("unit").order_by("area_code", "username")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    form = _form(request, data=request.POST or None, initial={"area_code": request.user.area_code})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            password = secrets.token_urlsafe(12)
            try:
                created = services.user_create(
                    by=request.user, username=form.cleaned_data["username"], area_code=form.cleaned_data["area_code"],
                    role=form.cleaned_data["role"], password=password, full_name=form.cleaned_data["full_name"],
                    unit=form.cleaned_data["unit"],
                )
            except (ValueError, ValidationError) as exc:
                _errors_into(form, exc)
            else:
                # Shown on this page only: a message would carry it in a cookie or the session.
                return _user_page(request, created, new_password=password)
        status = 400
    return render(request, "areas/users.html", {"page": page, "form": form}, status=status)


@login_required
def user(request, pk: int):
    _require_manager(request)
    target = get_scoped_or_404(get_user_model().objects.select_related("unit"), request.user, pk=pk)
    if request.method != "POST":
        return _user_page(request, target)
    form = _form(request, editing=True, data=request.POST)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.user_update(by=request.user, user=target, role=form.cleaned_data["role"],
                                     area_code=form.cleaned_data["area_code"], unit=form.cleaned_data["unit"],
                                     full_name=form.cleaned_data["full_name"], phone=form.cleaned_data["phone"])
            except (ValueError, ValidationError) as exc:
                _errors_into(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("areas:user", pk=target.pk)
        status = 400
    return _user_page(request, target, form=form, status=status)


def _user_page(request, target, *, form=None, new_password: str = "", status: int = 200):
    initial = {"role": target.role, "area_code": target.area_code, "unit": target.unit_id,
               "full_name": target.first_name, "phone": target.phone}
    form = form or _form(request, editing=True, initial=initial)
    return render(request, "areas/user.html", {"target": target, "form": form, "new_password": new_password},
                  status=status)


@login_required
@require_POST
def user_action(request, pk: int):
    _require_manager(request)
    target = get_scoped_or_404(get_user_model().objects.all(), request.user, pk=pk)
    action = request.POST.get("action")
    try:
        if action in ("deactivate", "activate"):
            services.user_update(by=request.user, user=target, active=action == "activate")
            messages.success(request, _("Saved."))
        elif action == "password":
            return _user_page(request, target, new_password=services.user_reset_password(by=request.user, user=target))
        elif action == "totp":
            removed = services.user_reset_totp(by=request.user, user=target)
            messages.success(request, _("%(n)s TOTP devices removed; the user registers a new one.") % {"n": removed})
        else:
            messages.error(request, _("Unknown action."))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("areas:user", pk=target.pk)
