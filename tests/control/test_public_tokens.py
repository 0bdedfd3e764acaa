"""Signed tokens of the public pages: they round-trip, and nothing else parses (property tests)."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fangkong.control.public_tokens import (
    checkin_token,
    community_token,
    parse_checkin_token,
    parse_community_token,
    render_stamp,
    stamp_age,
)

codes = st.text(alphabet=string.digits, min_size=2, max_size=24)
generations = st.integers(min_value=0, max_value=10**6)
link_ids = st.integers(min_value=1, max_value=2**53)
nonces = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=8, max_size=32)
TOKEN_CHARS = string.ascii_letters + string.digits + "-_:"


@given(codes, generations)
def test_a_community_token_parses_back_to_its_code_and_generation(code, generation):
    ref = parse_community_token(community_token(code, generation))
    assert ref is not None and (ref.code, ref.generation) == (code, generation)


@given(codes, generations)
def test_a_community_token_does_not_show_the_bare_division_code(code, generation):
    assume(len(code) >= 6)
    assert code not in community_token(code, generation)


@given(codes, generations, st.data())
def test_any_change_to_a_community_token_is_refused(code, generation, data):
    token = community_token(code, generation)
    index = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    replacement = data.draw(st.sampled_from(TOKEN_CHARS).filter(lambda c: c != token[index]))
    tampered = token[:index] + replacement + token[index + 1:]
    ref = parse_community_token(tampered)
    # Base64 may map two spellings to the same bytes in its last character; then the payload is unchanged.
    assert ref is None or (ref.code, ref.generation) == (code, generation)


@given(st.text(max_size=300))
def test_arbitrary_text_never_parses_and_never_raises(text):
    assert parse_community_token(text) is None
    assert parse_checkin_token(text) is None
    assert stamp_age(text, "declare:411402001001", 10**9) is None


@given(link_ids, nonces)
def test_a_checkin_token_parses_back_to_its_link_and_nonce(link_id, nonce):
    ref = parse_checkin_token(checkin_token(link_id, nonce))
    assert ref is not None and (ref.link_id, ref.nonce) == (link_id, nonce)


@given(link_ids, nonces, codes)
def test_one_kind_of_token_is_never_accepted_as_another(link_id, nonce, code):
    assert parse_community_token(checkin_token(link_id, nonce)) is None
    assert parse_checkin_token(community_token(code, 0)) is None
    assert stamp_age(community_token(code, 0), f"declare:{code}", 10**9) is None


pages = st.one_of(codes.map(lambda c: f"declare:{c}"), link_ids.map(lambda i: f"checkin:{i}"))


@settings(max_examples=50)
@given(pages, st.integers(min_value=0, max_value=2**40), st.integers(min_value=0, max_value=10**6))
def test_a_render_stamp_gives_its_age_only_on_its_own_page(page, at, elapsed):
    stamp = render_stamp(page, at)
    assert stamp_age(stamp, page, at + elapsed) == elapsed
    assert stamp_age(stamp, page + "x", at + elapsed) is None


def test_a_token_signed_with_another_secret_is_refused(settings):
    token = community_token("411402001001", 0)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert parse_community_token(token) is None


@pytest.mark.parametrize("code,generation", [("4114a2", 0), ("", 0), ("411402001001", -1)])
def test_a_community_token_is_only_made_for_a_code_and_a_generation(code, generation):
    with pytest.raises(ValueError):
        community_token(code, generation)
