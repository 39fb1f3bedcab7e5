"""``MODEL_CARD.md``: the model-card structure (Mitchell et al., 2019) filled from one run's facts.

Every statement comes from the evaluation record (schema in :mod:`mlwright.report.facts`); what
only a person can know, such as the intended use when the user gave none, reads "stated by the
user: not given; fill in" instead of being invented. Every value is escaped for Markdown, so a
column called ``<script>`` or ``a|b`` cannot break the page or a table.

>>> card = render_model_card({"run": {"target": "price", "task": "regression"}})
>>> card.splitlines()[0], "## Fairness" in card, "None" in card
('# Model card: price', True, False)
"""

from __future__ import annotations

import re

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from mlwright import __version__
from mlwright.report import facts, wording
from mlwright.report.plain_language import plain_summary

FILL_IN = "stated by the user: not given; fill in"
SMALL_CLASS_ROWS = 50
_SPECIAL = re.compile(r"([\\`*_\[\]|])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_LINE_START = re.compile(r"^(#{1,6}(?=\s|$)|[+\-](?=\s)|\d+[.)](?=\s|$))")
_SPACE = re.compile(r"\s+")


def markdown_text(value: object) -> str:
    """A value as literal Markdown text: on one line, with markup, pipes and HTML neutralised.

    >>> markdown_text("<b>a|b</b> *x*"), markdown_text("# not a heading"), markdown_text(None)
    ('&lt;b&gt;a\\\\|b&lt;/b&gt; \\\\*x\\\\*', '\\\\# not a heading', 'not recorded')
    """
    if value is None:
        return wording.MISSING
    if isinstance(value, Markup):
        return str(value)
    text = _SPACE.sub(" ", str(value))
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    return _LINE_START.sub(r"\\\1", _SPECIAL.sub(r"\\\1", text))


def _interval(row: facts.Record) -> str:
    low, high = row.get("low"), row.get("high")
    return "not measured" if low is None or high is None else f"{wording.score(low)} – {wording.score(high)}"


_ENVIRONMENT = Environment(loader=PackageLoader("mlwright.report", "templates"), autoescape=False,
                           trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                           finalize=markdown_text)
_ENVIRONMENT.filters.update(score=wording.score, number=wording.number, count=wording.count,
                            percent=wording.percent, seconds=wording.seconds, column=facts.column_text,
                            words=wording.join_words, interval=_interval)



def render_model_card(evaluation: facts.Record) -> str:
    """The model card of one run as Markdown, from the evaluation record alone."""
    run = facts.run(evaluation)
    summary = plain_summary(evaluation)
    context = dict(
        run=run, rows=facts.part(run, "rows"), task=facts.task(evaluation), positive=facts.positive_class(evaluation),
        task_words=facts.TASK_WORDS.get(facts.task(evaluation), facts.task(evaluation) or "unknown task"),
        summary=summary, what_it_does=summary[0], fill_in=FILL_IN, version=__version__,
        findings=facts.sorted_findings(evaluation), sets=facts.evaluation_sets(evaluation),
        threshold=facts.part(evaluation, "threshold"), calibration=facts.part(evaluation, "calibration"),
        importance=facts.part(evaluation, "importance"), dependence=facts.items(evaluation, "dependence"),
        fairness=facts.part(evaluation, "fairness"), model_tests=facts.part(evaluation, "model_tests"),
        sensitive_hint=facts.SENSITIVE_HINT, limitations=_limitations(evaluation), ethics=_ethics(evaluation),
        caveats=_caveats(evaluation))
    return _ENVIRONMENT.get_template("model_card.md.j2").render(context)


def _limitations(evaluation: facts.Record) -> list[str]:
    run, primary, main = facts.run(evaluation), facts.primary_set(evaluation), facts.main_metric(evaluation)
    lines = []
    columns = facts.items(run, "used_columns")
    if columns:
        lines.append(f"The model sees only the {len(columns)} columns listed under Data; anything else that "
                     "bears on the decision is invisible to it.")
    if primary.get("rows"):
        source = f" from {run['data_source']}" if run.get("data_source") else ""
        lines.append(f"Its scores were measured on {wording.count(primary['rows'])} held-out rows{source}; "
                     "data from another source or a later time may score differently."
                     + ("" if run.get("test_source") else " No separate test file was given."))
    if main.get("low") is not None and main.get("high") is not None:
        lines.append(f"{main.get('label') or main.get('name')} on new data like this is likely between "
                     f"{wording.score(main['low'])} and {wording.score(main['high'])}, not exactly "
                     f"{wording.score(main['value'])}.")
    for row in facts.items(primary, "per_class"):
        if isinstance(row.get("support"), int) and row["support"] < SMALL_CLASS_ROWS:
            lines.append(f"Class {wording.quoted(row.get('class'))} has only {row['support']} held-out rows: "
                         "its per-class numbers are uncertain.")
    calibration = facts.part(evaluation, "calibration")
    if calibration and not calibration.get("applied") and facts.part(calibration, "before").get("ece") is not None:
        lines.append(f"Its stated chances are off by {wording.percent(calibration['before']['ece'], 1)} on average "
                     "and were not adjusted.")
    latency, limit = run.get("latency_ms"), run.get("latency_limit_ms")
    if isinstance(latency, (int, float)) and isinstance(limit, (int, float)) and latency > limit:
        lines.append(f"Prediction takes {wording.number(latency)} ms per row, over the "
                     f"{wording.number(limit)} ms limit.")
    excluded = {str(c.get("name")) for c in facts.items(run, "excluded_columns")}
    for finding in facts.sorted_findings(evaluation):
        columns = finding.get("column") if isinstance(finding.get("column"), list) else [finding.get("column")]
        if finding.get("severity") == "critical" and not {str(c) for c in columns} <= excluded:
            lines.append(f"Critical data finding ({finding.get('kind')}, {facts.column_text(finding.get('column'))}): "
                         f"{finding.get('evidence')}; action: {finding.get('action') or 'none'}.")
    return lines


def _ethics(evaluation: facts.Record) -> list[str]:
    run, fairness = facts.run(evaluation), facts.part(evaluation, "fairness")
    sensitive = [str(c) for c in facts.items(run, "sensitive")]
    lines = [f"Sensitive columns named for this run: {wording.join_words(sensitive)}." if sensitive
             else "No sensitive columns were named for this run."]
    for column in facts.items(fairness, "columns"):
        if column.get("used_as_feature"):
            lines.append(f"{wording.quoted(column.get('column'))} is a model input: answers can depend on it directly.")
        for gap in facts.items(column, "behind"):
            lines.append(f"For {column.get('column')} = {wording.quoted(gap.get('group'))}, {gap.get('metric')} is "
                         f"{wording.score(gap.get('value'))} against {wording.score(gap.get('reference'))}: "
                         f"{gap.get('reason')}.")
    if not fairness:
        lines.append(f"Whether the model treats groups of people differently was not checked ({facts.SENSITIVE_HINT}).")
    for finding in facts.sorted_findings(evaluation):
        if str(finding.get("kind", "")).startswith("pii_"):
            lines.append(f"Personal data found in {facts.column_text(finding.get('column'))}: "
                         f"{finding.get('evidence')}; action: {finding.get('action') or 'none'}.")
    lines.append(f"Who could be harmed by a wrong answer, and how: {FILL_IN}.")
    return lines


def _caveats(evaluation: facts.Record) -> list[str]:
    lines = []
    threshold = facts.part(evaluation, "threshold")
    if facts.task(evaluation) == "binary" and threshold.get("value") is not None:
        lines.append(f"The cut-off {wording.score(threshold['value'])} was chosen for {threshold.get('objective')}"
                     + (f" – {threshold['description']}" if threshold.get("description") else "")
                     + "; if a missed case and a false alarm cost differently in your use, pick another cut-off "
                       "from the threshold curve in report.html.")
    failed = [r for r in facts.items(facts.part(evaluation, "model_tests"), "results") if not r.get("passed")]
    if failed:
        lines.append("Resolve the failed model tests before relying on the model: "
                     + "; ".join(f"{r.get('name')} – {r.get('detail')}" for r in failed) + ".")
    behind = [f"{c.get('column')} = {wording.quoted(b.get('group'))}"
              for c in facts.items(facts.part(evaluation, "fairness"), "columns") for b in facts.items(c, "behind")]
    if behind:
        lines.append(f"Review the groups the model serves worse ({'; '.join(behind)}) before using it for "
                     "decisions about people in them.")
    main = facts.main_metric(evaluation)
    if main.get("low") is not None:
        bound = main["low"] if main.get("greater_is_better", True) else main.get("high")
        direction = "below" if main.get("greater_is_better", True) else "above"
        lines.append(f"Check it on recent data before each use, and retrain when "
                     f"{main.get('label') or main.get('name')} falls {direction} {wording.score(bound)}, "
                     "the edge of its likely range.")
    lines += [str(note) for note in facts.items(facts.run(evaluation), "notes")]
    lines.append("Curves, importance and dependence plots, and the per-group tables are in report.html "
                 "beside this file.")
    return lines
