"""Template tags of arrivals on other apps' pages (the worker's list of the day shows what needs confirming)."""

from django import template

from fangkong.arrivals import selectors

register = template.Library()


@register.inclusion_tag("arrivals/_pending_declarations.html", takes_context=True)
def pending_declarations(context):
    """Self-declarations under the user's node whose household is still to be confirmed."""
    return {"pending": list(selectors.declarations_pending(user=context["request"].user)[:200])}
