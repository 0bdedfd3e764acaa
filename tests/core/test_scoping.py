from hypothesis import given
from hypothesis import strategies as st

from fangkong.areas.models import Area
from fangkong.core.scoping import scope, successor


@given(st.text(alphabet="0123456789", min_size=1, max_size=18), st.text(alphabet="0123456789", max_size=8))
def test_successor_bounds_exactly_the_codes_with_the_prefix(prefix, tail):
    upper = successor(prefix)
    code = prefix + tail
    assert code >= prefix
    assert upper is None or code < upper


@given(st.text(alphabet="0123456789", min_size=1, max_size=10), st.text(alphabet="0123456789", min_size=1, max_size=10))
def test_a_code_without_the_prefix_falls_outside_the_range(prefix, other):
    if other.startswith(prefix):
        return
    upper = successor(prefix)
    assert other < prefix or (upper is not None and other >= upper)


def test_a_user_sees_only_their_subtree(tree, user_a, user_b):
    codes_a = set(scope(Area.objects.all(), user_a, field="code").values_list("code", flat=True))
    assert tree["grid_a"].code in codes_a
    assert tree["county_b"].code not in codes_a
    assert tree["city"].code not in codes_a


def test_an_anonymous_user_sees_nothing(tree):
    from django.contrib.auth.models import AnonymousUser

    assert not scope(Area.objects.all(), AnonymousUser(), field="code").exists()
