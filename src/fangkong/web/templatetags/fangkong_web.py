from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for pagers and filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@register.filter
def hhmm(value) -> str:
    """A local time as HH:MM, with 24:00 for the end of a day."""
    from django.utils import timezone

    local = timezone.localtime(value)
    return local.strftime("%H:%M")


@register.filter
def hhmm_end(value) -> str:
    """The end of an interval as HH:MM, with 24:00 for a local midnight (the end of the day shown)."""
    text = hhmm(value)
    return "24:00" if text == "00:00" else text


@register.filter
def age(birth_date) -> str:
    """What a page shows in place of a birth date (core.masking.birth_year_age): "–" when unknown."""
    from fangkong.core.clock import today
    from fangkong.core.masking import birth_year_age

    years = birth_year_age(birth_date, today())
    return "–" if years is None else str(years)


@register.filter
def action_label(name: str) -> str:
    """A registered action's label in the user's language (core.permissions); other log actions as they are."""
    from fangkong.core.permissions import registered

    found = registered().get(name)
    return str(found.label) if found else name


@register.filter
def measure_label(code) -> str:
    """home_isolation → 居家隔离: a measure by its name (policy.labels)."""
    from fangkong.policy.labels import measure_label as label

    return label(str(code))


@register.filter
def category_label(code) -> str:
    """risk_area_arrival → 中高风险地区来返人员: the profile's own label."""
    from fangkong.policy.labels import category_label as label

    return label(str(code))


@register.filter
def order_rule(order) -> str:
    """The rule an order was made under in the profile's words (policy.labels.rule_text), else its explanation."""
    from fangkong.policy.labels import rule_text

    return rule_text(order.profile_name, order.profile_version, order.rule_id) or order.explanation


@register.filter
def symptom_labels(codes) -> str:
    """["cough", "fatigue"] → 咳嗽、乏力."""
    from django.utils.translation import pgettext

    from fangkong.policy.labels import SYMPTOM_LABELS

    return pgettext("list separator", ", ").join(str(SYMPTOM_LABELS.get(c, c)) for c in codes or [])
