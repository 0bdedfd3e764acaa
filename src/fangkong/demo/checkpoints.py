"""Demo checkpoints (卡口): a few on each of the four channels of the synthetic city.

Idempotent (keyed on area and name), so a rebuild or a second run adds nothing. The county
of the demo checkpoint user gets one of each channel, so that user sees all four.
"""

from __future__ import annotations

from fangkong.areas.models import Area
from fangkong.arrivals.models import Checkpoint


def demo_checkpoints(city_code: str, home_county: str = "") -> int:
    """Create the demo checkpoints under the city's counties; returns how many exist there."""
    city = Area.objects.filter(code=city_code).first()
    counties = list(Area.objects.filter(parent__code=city_code, level=3).order_by("code"))
    if city is None or not counties:
        return 0
    home = next((c for c in counties if c.code == home_county), counties[0])
    short = city.name.removesuffix("市")
    plan = [
        (home, f"{short}机场到达口", Checkpoint.Channel.AIRPORT, "机场到达大厅出口"),
        (home, f"{short}站出站口", Checkpoint.Channel.RAILWAY, "火车站北广场出站口"),
        (home, f"{home.name}省道检查站", Checkpoint.Channel.ROAD, "省道入市处"),
    ]
    others = [c for c in counties if c != home]
    if others:
        plan.append((others[0], f"{short}东站出站口", Checkpoint.Channel.RAILWAY, "高铁站出站口"))
    for county in counties:
        plan.append((county, f"{county.name}高速收费站", Checkpoint.Channel.HIGHWAY, "高速出口收费站"))
        plan.append((county, f"{county.name}国道检查站", Checkpoint.Channel.ROAD, "国道入境处"))
    for i, (area, name, channel, location) in enumerate(plan, start=1):
        Checkpoint.objects.get_or_create(area=area, name=name, defaults={
            "area_code": area.code, "channel": channel, "location": location,
            "responsible_name": "卡口带班", "responsible_phone": f"1370000{i:04d}",
        })
    return Checkpoint.objects.filter(area_code__startswith=city_code).count()
