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
