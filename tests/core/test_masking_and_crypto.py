import base64

from fangkong.core.crypto import lookup_hash, seal, unseal
from fangkong.core.masking import mask_id_number, mask_name, mask_phone


def test_it_masks_id_numbers_and_phones_as_users_expect():
    assert mask_id_number("11010119900307123X") == "110101***********X"
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


def test_the_bulk_sealer_agrees_with_seal_and_lookup_hash_and_never_repeats_a_nonce(settings):
    from fangkong.core.crypto import Sealer, lookup_hash, unseal

    sealer = Sealer()
    tokens = [sealer.seal("110101199003071234") for _ in range(5000)]  # more than one pool of nonces
    assert {unseal(t) for t in tokens} == {"110101199003071234"}
    assert len({base64.urlsafe_b64decode(t)[:12] for t in tokens}) == len(tokens)
    assert sealer.lookup_hash("13812345678") == lookup_hash("13812345678")
    assert sealer.lookup_hash("13812345679") == lookup_hash("13812345679")


def test_a_forked_process_does_not_reuse_the_parents_nonces(settings):
    import multiprocessing

    from fangkong.core.crypto import Sealer

    sealer = Sealer()
    sealer.seal("x")  # the pool of nonces is drawn before the fork
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=lambda: queue.put([sealer.seal("x") for _ in range(10)]))
    child.start()
    theirs = queue.get(timeout=30)
    child.join()
    ours = [sealer.seal("x") for _ in range(10)]
    nonce = lambda token: base64.urlsafe_b64decode(token)[:12]  # noqa: E731
    assert not {nonce(t) for t in theirs} & {nonce(t) for t in ours}
