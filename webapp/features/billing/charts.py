"""Server-side SVG bar charts for the usage dashboard (no script, no style attributes)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 640, 150, 20


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], unit: str,
              css: str = "") -> Markup:
    """One bar per label, scaled to the largest value; the title and totals are text."""
    top = max(values) if values and max(values) > 0 else 1.0
    n = max(len(values), 1)
    step = (WIDTH - 2 * PAD) / n
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        h = (HEIGHT - 2 * PAD) * (value / top)
        x = PAD + i * step
        y = HEIGHT - PAD - h
        bars.append(
            f'<rect class="chart__bar" x="{x:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{h:.1f}"><title>{escape(label)}: {value:,.3f} {escape(unit)}</title></rect>')
    first, last = (labels[0], labels[-1]) if labels else ("", "")
    return Markup(  # noqa: S704 - every interpolated text is escaped above
        f'<svg class="chart {escape(css)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f'<title>{escape(title)}</title>'
        f'<line class="chart__axis" x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" '
        f'y2="{HEIGHT - PAD}"/>'
        + "".join(bars)
        + f'<text class="chart__label" x="{PAD}" y="{HEIGHT - 6}">{escape(first)}</text>'
        f'<text class="chart__label" x="{WIDTH - PAD}" y="{HEIGHT - 6}" '
        f'text-anchor="end">{escape(last)}</text>'
        f'<text class="chart__label" x="{PAD}" y="14">max {top:,.3f} {escape(unit)}</text>'
        "</svg>")
