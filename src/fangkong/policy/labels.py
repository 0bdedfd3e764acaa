"""What a user reads for the policy's codes: measures by their translated name, categories by the label the
profile in force gives them (profiles are written in Chinese, as the documents are), so no page shows
`home_isolation` or `risk_area_arrival`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

MEASURE_LABELS = {
    "centralized_isolation": gettext_lazy("Centralized isolation"),
    "home_isolation": gettext_lazy("Home isolation"),
    "home_health_monitoring": gettext_lazy("Home health monitoring"),
    "self_monitoring": gettext_lazy("Self health monitoring"),
    "none": gettext_lazy("No measure"),
}


SYMPTOM_LABELS = {
    "fever": gettext_lazy("Fever"), "cough": gettext_lazy("Cough"), "sore_throat": gettext_lazy("Sore throat"),
    "fatigue": gettext_lazy("Fatigue"), "loss_of_smell": gettext_lazy("Loss of smell or taste"),
    "diarrhoea": gettext_lazy("Diarrhoea"), "short_breath": gettext_lazy("Short of breath"),
}


def measure_label(code: str) -> str:
    return str(MEASURE_LABELS.get(code, code))


def category_label(code: str) -> str:
    from fangkong.policy.selectors import active_profile

    category = active_profile().categories.get(code)
    return category.label if category is not None else code


def rule_text(profile_name: str, version: int, rule_id: str) -> str:
    """The rule an order was made under, as its profile words it (its title and the rule's own explanation, in
    Chinese as the documents are), instead of `national-9th-2022 v1 rule medium-risk-arrival: …`. Empty when the
    profile is not shipped any more or has moved past that version (the order keeps its explanation)."""
    from fangkong.policy.profile import ProfileError, load_profile, shipped_profiles

    if profile_name not in shipped_profiles():
        return ""
    try:
        profile = load_profile(profile_name)
    except ProfileError:
        return ""
    rule = next((r for r in profile.rules if r.id == rule_id), None)
    if rule is None or profile.version != version:
        return ""
    return f"{profile.title} · {rule.explain}"
