"""The profile page: one self-contained HTML file (inline CSS and SVG, no script, no network)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from mlwright import __version__
from mlwright.report import svg

if TYPE_CHECKING:  # the page renders a profile; it does not compute one
    from mlwright.profile.profiler import Profile

_SHOWN_STATS = ("min", "median", "max", "mean", "std", "mean_length", "median_words", "vocabulary", "repeated_rows",
                "prose_share")
_ENVIRONMENT = Environment(loader=PackageLoader("mlwright.report", "templates"),
                           autoescape=select_autoescape(default=True, default_for_string=True),
                           trim_blocks=True, lstrip_blocks=True)


def render_profile(profile: "Profile") -> str:
    """The HTML page of ``profile``; every value is escaped, and masked columns show none."""
    data = profile.to_dict()
    leaked = set(profile.leaked_columns())
    for column in data["columns"]:
        column["leak"] = column["name"] in leaked
        # a few distinct values read better as labelled bars than as a histogram
        column["chart"] = "" if column["top"] else Markup(svg.histogram(column["histogram"].get("counts", [])))
        column["top_total"] = max(profile.rows - column["missing"], 1)
        column["stat_line"] = " · ".join(f"{key} {column['stats'][key]}" for key in _SHOWN_STATS
                                         if key in column["stats"])
    target = data["target"]
    if target.get("histogram"):
        target["chart"] = Markup(svg.histogram(target["histogram"]["counts"], width=360, height=60))
    return _ENVIRONMENT.get_template("profile.html.j2").render(profile=data, version=__version__)
