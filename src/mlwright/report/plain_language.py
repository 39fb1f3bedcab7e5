"""The run told to someone who does not build models: short sentences, numbers "in 10".

Every sentence is computed from the evaluation record (see :mod:`mlwright.report.facts`); a fact
the run did not record leaves its sentence out rather than guess it. Sentences are plain text:
the HTML report escapes them and the model card escapes them for Markdown.
"""

from __future__ import annotations

from mlwright.report import facts
from mlwright.report.wording import count, in_ten, join_words, number, percent, quoted, score

_OBJECTIVES = {"f1": "the best balance between finding cases and being right (F1)",
               "precision": "being right as often as possible when it says yes (precision)",
               "recall": "finding as many true cases as possible (recall)",
               "balanced_accuracy": "treating both answers as equally important (balanced accuracy)",
               "accuracy": "the most correct answers overall (accuracy)"}
_LISTED = 3


def plain_summary(evaluation: facts.Record) -> list[str]:
    """Sentences a non-engineer can follow, from the facts of one run, most important first."""
    task_sentences = {"binary": _binary, "multiclass": _multiclass, "regression": _regression}
    sentences = [_what_it_does(evaluation)]
    sentences += task_sentences.get(facts.task(evaluation), lambda _: [])(evaluation)
    sentences += [_how_sure(evaluation), _threshold(evaluation), *_calibration(evaluation),
                  _drivers(evaluation), *_fairness(evaluation), _model_tests(evaluation),
                  *_data_actions(evaluation)]
    return [s for s in sentences if s]


def _what_it_does(evaluation: facts.Record) -> str:
    run = facts.run(evaluation)
    target = run.get("target") or "the target"
    positive = facts.positive_class(evaluation)
    what = {"binary": f"whether {target} is {quoted(positive)}" if positive else f"{target}, yes or no",
            "multiclass": f"which class of {target} a row belongs to",
            "regression": f"the value of {target}"}.get(facts.task(evaluation), str(target))
    columns = facts.items(run, "used_columns")
    train_rows = facts.part(run, "rows").get("train")
    sentence = f"This model predicts {what}"
    if columns:
        sentence += f" from {len(columns)} column{'s' if len(columns) != 1 else ''}"
    if train_rows:
        sentence += f", having learned from {count(train_rows)} rows"
    return sentence + "."


def _binary(evaluation: facts.Record) -> list[str]:
    primary = facts.primary_set(evaluation)
    at_threshold = facts.part(facts.part(evaluation, "threshold"), "at_threshold")
    positive = quoted(facts.positive_class(evaluation) or "yes")
    sentences = []
    recall = facts.metric(primary, "recall").get("value", at_threshold.get("recall"))
    if recall is not None:
        found, out_of = in_ten(recall)
        sentences.append(f"Out of {out_of} cases that truly are {positive}, the model finds about {found} "
                         f"(recall {score(recall)}).")
    precision = facts.metric(primary, "precision").get("value", at_threshold.get("precision"))
    if precision is not None:
        right, out_of = in_ten(precision)
        sentences.append(f"When it says {positive}, it is right about {right} times in {out_of} "
                         f"(precision {score(precision)}).")
        prevalence = facts.curve(primary, "pr").get("prevalence")
        if prevalence is not None:
            lucky, out_of = in_ten(prevalence)
            sentences.append(f"Picking rows at random would be right only about {lucky} times in {out_of}, "
                             f"the share of {positive} among these rows.")
    return sentences


def _multiclass(evaluation: facts.Record) -> list[str]:
    primary = facts.primary_set(evaluation)
    sentences = []
    accuracy = facts.metric(primary, "accuracy")
    if accuracy:
        right, out_of = in_ten(accuracy["value"])
        sentence = f"It picks the right class for about {right} rows in {out_of} (accuracy {score(accuracy['value'])})"
        if accuracy.get("baseline") is not None:
            lucky, out_of = in_ten(accuracy["baseline"])
            common = _most_common_class(primary)
            answer = f"the most common class, {quoted(common)}" if common else "the most common class"
            sentence += f"; always answering {answer}, would be right about {lucky} in {out_of}"
        sentences.append(sentence + ".")
    confused = facts.most_confused(facts.part(primary, "confusion"))
    if confused:
        sentences.append(f"The mix-up it makes most: {quoted(confused['true'])} taken for "
                         f"{quoted(confused['predicted'])}, {count(confused['count'])} times out of "
                         f"{count(confused['of'])} {quoted(confused['true'])} rows.")
    return sentences


def _most_common_class(evaluation_set: facts.Record) -> str | None:
    rows = [r for r in facts.items(evaluation_set, "per_class") if isinstance(r.get("support"), int)]
    return str(max(rows, key=lambda r: r["support"])["class"]) if rows else None


def _regression(evaluation: facts.Record) -> list[str]:
    primary = facts.primary_set(evaluation)
    target = facts.run(evaluation).get("target") or "the target"
    sentences = []
    mae = facts.metric(primary, "mae")
    if mae:
        sentence = (f"Its predictions of {target} are off by about {number(mae['value'])} on average, "
                    f"in {target}'s own units")
        if mae.get("baseline") is not None:
            sentence += f"; always predicting the average would be off by {number(mae['baseline'])}"
        sentences.append(sentence + ".")
    r2 = facts.metric(primary, "r2").get("value")
    if r2 is not None:
        sentences.append(f"It explains about {percent(max(r2, 0.0))} of the variation in {target} (R² {score(r2)})"
                         + ("; that is no better than always predicting the average." if r2 <= 0 else "."))
    stats = facts.curve(primary, "residual_stats")
    if stats.get("p05") is not None and stats.get("p95") is not None:
        sentences.append(f"For the middle 9 rows in 10, actual minus predicted lies between "
                         f"{number(stats['p05'])} and {number(stats['p95'])}.")
    return sentences


def _how_sure(evaluation: facts.Record) -> str:
    main = facts.main_metric(evaluation)
    if not main:
        return ""
    label = main.get("label") or main.get("name")
    sentence = f"{_on_unseen_rows(facts.primary_set(evaluation))}, its main score, {label}, is {score(main['value'])}"
    if main.get("low") is not None and main.get("high") is not None:
        sentence += f", likely between {score(main['low'])} and {score(main['high'])}"
    if main.get("baseline") is not None:
        sentence += f"; guessing without looking at the data scores {score(main['baseline'])}"
    if main.get("greater_is_better") is False:
        sentence += " (lower is better)"
    return sentence + "."


def _on_unseen_rows(evaluation_set: facts.Record) -> str:
    """Where the scores come from, worded so that each kind of held-out set is described truthfully."""
    rows = f"{count(evaluation_set['rows'])} " if evaluation_set.get("rows") else ""
    return {"holdout": f"On {rows}rows held out from training",
            "test": f"On {rows}rows of the separate test data",
            "out-of-fold": f"On {rows}rows, each scored by a model trained without it",
            }.get(evaluation_set.get("set"), f"On {rows}held-out rows")


def _threshold(evaluation: facts.Record) -> str:
    threshold = facts.part(evaluation, "threshold")
    if facts.task(evaluation) != "binary" or threshold.get("value") is None:
        return ""
    positive = quoted(facts.positive_class(evaluation) or "yes")
    value, default = threshold["value"], threshold.get("default_value", 0.5)
    sentence = f"It says {positive} when its estimated chance is at least {percent(value)}"
    if default is not None and abs(value - default) < 1e-9:
        return sentence + ", the usual cut-off."
    objective = str(threshold.get("objective") or "")
    reason = _OBJECTIVES.get(objective, f"the objective {quoted(objective)}" if objective else "")
    if reason:
        sentence += f", a cut-off chosen for {reason}"
    return sentence + (f" instead of the usual {percent(default)}." if default is not None else ".")


def _calibration(evaluation: facts.Record) -> list[str]:
    if facts.task(evaluation) not in ("binary", "multiclass"):
        return []
    sentences = []
    point = _nearest_bin(facts.curve(facts.primary_set(evaluation), "calibration"), 0.7)
    if point:
        stated, happened = point
        if facts.task(evaluation) == "binary":
            sentences.append(f"When it gives a chance of about {percent(stated)}, the outcome happens "
                             f"{percent(happened)} of the time on held-out rows.")
        else:
            sentences.append(f"When it is about {percent(stated)} sure of its answer, it is right "
                             f"{percent(happened)} of the time on held-out rows.")
    calibration = facts.part(evaluation, "calibration")
    before, after = facts.part(calibration, "before"), facts.part(calibration, "after")
    if calibration.get("applied") and before.get("ece") is not None and after.get("ece") is not None:
        sentences.append(f"Its chances were adjusted ({calibration.get('method')} calibration), which brought the "
                         f"average gap between stated and actual chances from {_points(before['ece'])} "
                         f"to {_points(after['ece'])}.")
    elif calibration and before.get("ece") is not None:
        sentences.append(f"Its stated chances are off by {_points(before['ece'])} on average; they were "
                         "not adjusted" + (f": {calibration['reason']}" if calibration.get("reason") else "") + ".")
    return sentences


def _points(share: float) -> str:
    return f"{100 * share:.1f} percentage points"


def _nearest_bin(reliability: facts.Record, wanted: float) -> tuple[float, float] | None:
    predicted, observed = facts.items(reliability, "predicted"), facts.items(reliability, "observed")
    counts = facts.items(reliability, "count") or [1] * len(predicted)
    points = [(p, o) for p, o, n in zip(predicted, observed, counts, strict=False)
              if p is not None and o is not None and n]
    return min(points, key=lambda point: abs(point[0] - wanted)) if points else None


def _drivers(evaluation: facts.Record) -> str:
    top = facts.top_features(evaluation, _LISTED)
    if not top:
        return ""
    return f"What matters most to its answers: {join_words([quoted(c) for c in top])}."


def _fairness(evaluation: facts.Record) -> list[str]:
    fairness = facts.part(evaluation, "fairness")
    if not fairness:
        return [f"Fairness across groups was not checked ({facts.SENSITIVE_HINT} to compare groups)."]
    written = [str(s) for s in facts.items(fairness, "sentences") if s]
    if written:
        return written
    sentences = []
    for column in facts.items(fairness, "columns"):
        for gap in facts.items(column, "behind")[:_LISTED]:
            sentences.append(f"For {column.get('column')} = {quoted(gap.get('group'))}, {gap.get('metric')} is "
                             f"{score(gap.get('value'))} against {score(gap.get('reference'))} overall.")
    names = [str(c.get("column")) for c in facts.items(fairness, "columns")]
    return sentences or [f"No group of {join_words(names)} falls noticeably behind the others."]


def _model_tests(evaluation: facts.Record) -> str:
    tests = facts.part(evaluation, "model_tests")
    results = facts.items(tests, "results")
    if not tests:
        return ""
    total = len(results) or (tests.get("passed") or 0) + (tests.get("failed") or 0)
    failed = [str(r.get("name")) for r in results if not r.get("passed")]
    if failed:
        return f"{len(failed)} of {total} model tests failed: {join_words([quoted(n) for n in failed])}."
    return f"All {total} model tests passed."


def _data_actions(evaluation: facts.Record) -> list[str]:
    run = facts.run(evaluation)
    excluded = [c for c in facts.items(run, "excluded_columns") if c.get("name") is not None]
    sentences = []
    if excluded:
        listed = [f"{quoted(c['name'])} – {c['reason']}" if c.get("reason") else quoted(c["name"])
                  for c in excluded[:_LISTED]]
        more = len(excluded) - _LISTED
        sentences.append("Left out of the model: " + "; ".join(listed + ([f"and {more} more"] if more > 0 else []))
                         + ".")
    left_out = {str(c["name"]) for c in excluded}
    for finding in facts.sorted_findings(evaluation):
        column = facts.column_text(finding.get("column"))
        if finding.get("severity") == "critical" and column not in left_out and finding.get("evidence"):
            action = f" ({finding['action']})" if finding.get("action") else ""
            sentences.append(f"Data warning: {str(finding['evidence']).rstrip('.')}{action}.")
    return sentences
