"""The demo city's checkpoints."""

from fangkong.arrivals.models import Checkpoint
from fangkong.demo.checkpoints import demo_checkpoints


def test_the_demo_gives_the_checkpoint_users_county_all_four_channels_and_runs_twice_safely(tree):
    home = tree["county_b"].code
    made = demo_checkpoints(tree["city"].code, home)
    assert made == Checkpoint.objects.count() == 8
    assert set(Checkpoint.objects.filter(area_code=home).values_list("channel", flat=True)) == {"airport", "railway", "highway", "road"}
    assert set(Checkpoint.objects.filter(area_code=tree["county_a"].code).values_list("channel", flat=True)) == {"railway", "highway", "road"}
    assert demo_checkpoints(tree["city"].code, home) == 8
    assert demo_checkpoints("9999") == 0
