from fangkong.core.crypto import lookup_hash, seal, unseal
from fangkong.core.masking import mask_id_number, mask_name, mask_phone


def test_it_masks_id_numbers_and_phones_as_users_expect():
    assert mask_id_number("11010119900307123X") == "110101********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三") == "张*"


def test_it_seals_so_the_value_is_unreadable_but_recoverable(settings):
    token = seal("11010119900307123X")
    assert "11010119900307123X" not in token
    assert seal("11010119900307123X") != token  # random nonce: equal values do not look equal
    assert unseal(token) == "11010119900307123X"


def test_lookup_hash_is_stable_and_keyed(settings):
    first = lookup_hash("13812345678")
    assert first == lookup_hash("13812345678")
    settings.FANGKONG_DATA_KEY = "YW5vdGhlci1rZXktYW5vdGhlci1rZXktYW5vdGhlci0="
    assert lookup_hash("13812345678") != first
