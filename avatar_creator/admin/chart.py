"""The queue page's chart, drawn on the server as SVG: generations finished per hour over a day, stacked by outcome.
No script and no inline style (the Content-Security-Policy forbids both): colours come from classes in app.css."""

from __future__ import annotations

from markupsafe import Markup, escape

from avatar_creator.admin.queue import OUTCOMES, Overview

WIDTH, HEIGHT = 720, 220
LEFT, BOTTOM, TOP = 40, 24, 12  # room for the count axis, the hour labels and the top value
GAP = 4


def hourly_chart(overview: Overview) -> Markup:
    """A stacked bar per hour (completed, failed, cancelled), each with a title for screen readers and hovers."""
    totals = [sum(overview.by_hour[outcome][index] for outcome in OUTCOMES) for index in range(len(overview.hours))]
    peak = max([*totals, 1])
    plot_height = HEIGHT - BOTTOM - TOP
    bar_width = (WIDTH - LEFT) / len(overview.hours)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title">',
             f'<title id="chart-title">Generations finished per hour over the last 24 hours, by outcome; at most '
             f'{peak} in an hour</title>',
             f'<line class="chart-axis" x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH}" y2="{HEIGHT - BOTTOM}"/>',
             f'<text class="chart-label" x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{peak}</text>',
             f'<text class="chart-label" x="{LEFT - 6}" y="{HEIGHT - BOTTOM}" text-anchor="end">0</text>']
    for index, hour in enumerate(overview.hours):
        x = LEFT + index * bar_width + GAP / 2
        y = float(HEIGHT - BOTTOM)
        counts = {outcome: overview.by_hour[outcome][index] for outcome in OUTCOMES}
        summary = ", ".join(f"{count} {outcome}" for outcome, count in counts.items())
        parts.append(f'<g class="chart-hour"><title>{escape(hour.strftime("%H:00"))} UTC: {escape(summary)}</title>')
        for outcome, count in counts.items():
            if count:
                height = count / peak * plot_height
                y -= height
                parts.append(f'<rect class="bar-{outcome}" x="{x:.1f}" y="{y:.1f}" width="{bar_width - GAP:.1f}" '
                             f'height="{height:.1f}"/>')
        parts.append("</g>")
        if index % 3 == 0:
            parts.append(f'<text class="chart-label" x="{x + (bar_width - GAP) / 2:.1f}" y="{HEIGHT - 6}" '
                         f'text-anchor="middle">{escape(hour.strftime("%H:00"))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
