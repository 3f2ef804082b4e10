"""Drawing: numbers in, an escaped inline SVG out. Only presentation attributes (no style=)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape


def sparkline(
    values: Sequence[int], *, width: int = 160, height: int = 32, label: str = ""
) -> Markup:
    """A line of cumulative values; an empty series draws a flat line."""
    points = list(values) or [0]
    top = max(max(points), 1)
    step = width / max(len(points) - 1, 1)
    coords = " ".join(
        f"{i * step:.1f},{height - 2 - (v / top) * (height - 4):.1f}" for i, v in enumerate(points)
    )
    title = escape(label)
    return Markup(  # noqa: S704 - numbers and an escaped label only
        f'<svg class="sparkline" role="img" aria-label="{title}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{title}</title>'
        f'<polyline fill="none" stroke="#ff9d00" stroke-width="2" points="{coords}"/></svg>'
    )


def bar_chart(
    bars: Sequence[tuple[str, int]], *, width: int = 640, height: int = 96, label: str = ""
) -> Markup:
    """Vertical bars with a tooltip each (e.g. papers per week); `bar_axis` names the ends.

    The bars stretch to the width, so the names are HTML beside the SVG: they never squash.
    """
    top = max([count for _, count in bars] + [1])
    slot = width / max(len(bars), 1)
    rects = []
    for i, (name, count) in enumerate(bars):
        h = (count / top) * (height - 2)
        tip = escape(f"{name}: {count}")
        rects.append(
            f'<rect x="{i * slot + 0.5:.1f}" y="{height - h:.1f}" '
            f'width="{max(slot - 1, 1):.1f}" height="{h:.1f}" fill="#6366f1">'
            f"<title>{tip}</title></rect>"
        )
    title = escape(label)
    return Markup(  # noqa: S704 - numbers and escaped text only
        f'<svg class="bars" role="img" aria-label="{title}" width="100%" height="{height}" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{title}</title>{"".join(rects)}</svg>'
    )


def bar_axis(bars: Sequence[tuple[str, int]]) -> Markup:
    """The first and last bar's names, as HTML to set under a `bar_chart`."""
    first = escape(bars[0][0]) if bars else ""
    last = escape(bars[-1][0]) if bars else ""
    return Markup(f'<span class="axis"><span>{first}</span><span>{last}</span></span>')  # noqa: S704
