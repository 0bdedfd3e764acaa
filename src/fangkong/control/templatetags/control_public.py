"""Template tags of the public pages' staff side (the worker's list shows what needs confirming)."""

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("control/_pending_declarations.html", takes_context=True)
def pending_declarations(context):
    """Self-declarations under the user's node whose household is still to be confirmed."""
    return {"pending": list(selectors.declarations_pending(user=context["request"].user)[:200])}
