"""The KPI page's charts, titled in the person's language (app.supervisor.charts draws them)."""
from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup

from app.supervisor.charts import Point, Series, bar_chart, line_chart, stacked_bar_chart
from app.supervisor.kpis import SOURCES, Kpis, Share
from app.supervisor.words import SOURCES as SOURCE_WORDS, word


def source_css(source: str) -> str:
    """The colour of a source, the same on every chart and legend."""
    return f"s-{SOURCES.index(source) % 6}" if source in SOURCES else "s-5"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def yen(value: float) -> str:
    return f"¥{value:,.0f}"


def _share_point(label: str, share: Share) -> Point:
    value = share.value
    return Point(label, None if value is None else round(value * 100, 1), percent(value))


def charts(k: Kpis) -> dict[str, Markup]:
    labels = [f"{day.month}/{day.day}" for day in k.weeks]
    shown = [source for source in SOURCES if any(k.variance_value[source])]
    short_top = max((s.value or 0 for s in k.short_picks), default=0) * 100
    return {
        "accuracy": line_chart("chart-accuracy", _("Inventory record accuracy by week"),
                               [_share_point(label, share) for label, share in zip(labels, k.accuracy)], top=100),
        "variance": stacked_bar_chart(
            "chart-variance", _("Variance value by source and week"), labels,
            [Series(word(SOURCE_WORDS, source), source_css(source), tuple(float(v) for v in k.variance_value[source]))
             for source in shown], shown=yen),
        "short_picks": line_chart("chart-short-picks", _("Short-pick rate by week"),
                                  [_share_point(label, share) for label, share in zip(labels, k.short_picks)],
                                  top=max(short_top * 1.2, 1.0)),
        "coverage": bar_chart("chart-coverage", _("Shelves counted within their interval"),
                              [_share_point(abc, Share(k.coverage.shelves[abc], k.coverage.covered[abc]))
                               for abc in ("A", "B", "C")]
                              + [_share_point(_("All"), Share(k.coverage.total, k.coverage.total_covered))], top=100),
        "open": bar_chart("chart-open", _("Open discrepancies by source"),
                          [Point(word(SOURCE_WORDS, source), k.open_count[source], str(k.open_count[source]))
                           for source in SOURCES], css="s-1"),
    }


__all__ = ["charts", "source_css", "percent", "yen"]
