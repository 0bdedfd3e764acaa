"""Simple GeoJSON polygons that tile: every node's children split its rectangle exactly.

Pure Python. A rectangle is (west, south, east, north) in degrees. Children are
split off by weight along the longer side, halving the list each time (a binary
treemap), so cells stay roughly square and neighbours in code order stay
neighbours on the map. Shared edges are computed once, so children tile their
parent without gaps or overlaps.
"""

from __future__ import annotations

from collections.abc import Sequence

Rect = tuple[float, float, float, float]

# Shangqiu's real extent (about 114°49′–116°39′ E, 33°43′–34°52′ N).
CITY_BBOX: Rect = (114.82, 33.72, 116.65, 34.87)
# A rough box around Henan province, containing the city.
PROVINCE_BBOX: Rect = (110.35, 31.38, 116.65, 36.37)

_DIGITS = 6  # about 0.1 m: plenty for a command map


def split(rect: Rect, weights: Sequence[float]) -> list[Rect]:
    """Rectangles for items of the given weights (> 0), in order, tiling `rect`."""
    out: list[Rect] = [rect] * len(weights)
    _split(rect, list(weights), 0, out)
    return out


def _split(rect: Rect, weights: list[float], offset: int, out: list[Rect]) -> None:
    if len(weights) == 1:
        out[offset] = rect
        return
    half = len(weights) // 2
    left, total = sum(weights[:half]), sum(weights)
    share = left / total if total > 0 else half / len(weights)
    west, south, east, north = rect
    # Degrees of longitude are shorter than degrees of latitude here (cos 34° ≈ 0.83).
    if (east - west) * 0.83 >= north - south:
        cut = round(west + (east - west) * share, _DIGITS)
        first, second = (west, south, cut, north), (cut, south, east, north)
    else:
        cut = round(north - (north - south) * share, _DIGITS)
        first, second = (west, cut, east, north), (west, south, east, cut)
    _split(first, weights[:half], offset, out)
    _split(second, weights[half:], offset + half, out)


def polygon(rect: Rect) -> dict:
    """A GeoJSON Polygon for a rectangle (counter-clockwise outer ring, closed)."""
    w, s, e, n = rect
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def bbox_of(geometry: dict) -> Rect:
    ring = geometry["coordinates"][0]
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    return (min(xs), min(ys), max(xs), max(ys))
