"""Text through training and scoring: a folder of documents trains from its class folders, a
folder scores file by file, and a table with a text column beside numbers uses both."""

import json

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

import mlwright
from tests.conftest import FAST, run_cli
from tests.text_fixtures import NEGATIVE, POSITIVE, make_reviews, write_review_folder


def test_a_folder_of_documents_trains_and_a_folder_scores(tmp_path):
    corpus = write_review_folder(tmp_path / "reviews", rows=240)
    run_dir = tmp_path / "run"
    trained = run_cli("train", str(corpus), "--time-limit", "40", "--max-trials", "3", "--families",
                      "lightgbm,linear", "--folds", "3", "--out", str(run_dir))
    assert trained.returncode == 0, trained.stderr
    model = mlwright.load(run_dir / "model")
    assert model.target.name == "label" and sorted(model.target.classes) == ["neg", "pos"]
    assert "path" not in {c.name for c in model.schema.used}  # it names the class folder
    assert "1 file beside the class folders, not in one, left out: README.txt." in trained.stdout.replace("\n", " ")
    assert any("text_model" in name for encoder in model.encoders.values() for name in encoder.feature_names_)
    terms = json.loads((run_dir / "evaluation.json").read_text())["text_terms"]
    assert [(t["column"], t["class"]) for t in terms] == [("text", "pos")]
    toward = {t["term"] for t in terms[0]["toward"]}
    away = {t["term"] for t in terms[0]["away"]}
    assert toward & set(POSITIVE) and away & set(NEGATIVE) and not toward & set(NEGATIVE)
    page = (run_dir / "report.html").read_text()
    assert "Words that matter" in page and next(iter(toward & set(POSITIVE))) in page

    new = tmp_path / "new"
    new.mkdir()
    fresh = make_reviews(60, seed=5)
    for index, text in enumerate(fresh["text"]):
        (new / f"{index:03d}.txt").write_text(text, encoding="utf-8")
    (new / "blank.txt").write_text("", encoding="utf-8")
    scored_file = tmp_path / "scored.csv"
    scored = run_cli("predict", str(run_dir / "model"), str(new), "-o", str(scored_file))
    assert scored.returncode == 0, scored.stderr
    assert "1 file empty, left out: blank.txt" in scored.stderr
    table = pd.read_csv(scored_file)
    assert table.columns[0] == "path" and len(table) == 60 and "text" not in table
    truth = fresh["label"].to_numpy()[[int(p.split(".")[0]) for p in table["path"]]]
    assert roc_auc_score(truth == "pos", table["proba_pos"]) > 0.9

    rows = tmp_path / "rows.csv"
    pd.DataFrame({"text": ["A wonderful and moving film, the best.", "Dull, tedious, the worst."]}).to_csv(rows, index=False)
    explained = run_cli("explain", str(run_dir / "model"), str(rows), "--top", "3")
    assert explained.returncode == 0, explained.stderr
    lines = [line for line in explained.stdout.splitlines() if "push its text model's score" in line]
    assert len(lines) == 2
    first_push = [float(line.split("most: ")[1].split(",")[0].split()[-1]) for line in lines]
    assert first_push[0] > 0 > first_push[1]  # toward "pos" for the warm review, away for the cold one


def test_text_beside_numbers_uses_both_and_survives_save_and_load(tmp_path):
    frame = make_reviews(300, seed=2)
    rng = np.random.default_rng(0)
    frame["price"] = rng.normal(size=300)
    # the label depends on the words and on the price: neither alone tells it well
    frame["label"] = np.where((frame["label"] == "pos") & (frame["price"] > -0.5), "yes", "no")
    model = mlwright.train(frame, "label", **{**FAST, "time_limit": 60})
    test = make_reviews(150, seed=9)
    test["price"] = rng.normal(size=150)
    truth = (test["label"] == "pos") & (test["price"] > -0.5)
    proba = model.predict_proba(test.drop(columns=["label"]))["yes"]
    assert roc_auc_score(truth, proba) > 0.9
    model.save(tmp_path / "model")
    loaded = mlwright.load(tmp_path / "model")
    np.testing.assert_allclose(loaded.predict_proba(test.head(20))["yes"], proba.head(20), atol=1e-12)
    one = loaded.predict_proba(pd.DataFrame({"text": ["A wonderful film, the best."], "price": [1.0]}))
    assert float(np.asarray(one["yes"])[0]) > 0.5


def test_the_service_scores_a_text_field_as_the_model_does(tmp_path):
    from tests.serve_fixtures import post, start_service

    frame = make_reviews(240, seed=4)
    model = mlwright.train(frame, "label", out=tmp_path / "run", store=False, **{**FAST, "time_limit": 40})
    texts = ["A wonderful, moving film: the best cast.", "Dull and tedious, a waste of an evening.", ""]
    service = start_service(tmp_path / "run" / "model", tmp_path / "serve.log")
    try:
        answer = post(service, json=[{"text": t} for t in texts])
        assert answer.status_code == 200, answer.text
        served = [p["pos"] for p in answer.json()["probabilities"]]
        expected = model.predict_proba(pd.DataFrame({"text": texts}))["pos"]
        np.testing.assert_allclose(served, expected, atol=1e-9)
        assert served[0] > 0.5 > served[1]
        schema = service.http.get("/openapi.json").json()
        assert "text" in str(schema)
    finally:
        service.stop()


def test_monitor_compares_a_text_columns_lengths_and_words(tmp_path):
    from mlwright.monitor.check import check_drift

    frame = make_reviews(400, seed=6)
    model = mlwright.train(frame, "label", store=False, **{**FAST, "time_limit": 40})
    summary = model.reference["columns"]["text"]
    assert summary["kind"] == "text" and "great" in summary["known_words"]

    same = make_reviews(300, seed=7).drop(columns=["label"])
    stable = {f["feature"]: f for f in check_drift(model, same, store=False).features}
    assert set(stable) >= {"text (length in words)", "text (uncommon words)", "text (words)"}
    assert all(stable[name]["verdict"] == "stable" for name in stable if name.startswith("text ("))

    changed = same.assign(text=[f"Le film {t.lower()} Nous avons adoré ce spectacle étonnant, vraiment magnifique et "
                                f"inoubliable, une oeuvre remarquable." for t in same["text"]])
    drifted = {f["feature"]: f for f in check_drift(model, changed, store=False).features}
    assert drifted["text (length in words)"]["verdict"] != "stable"
    assert drifted["text (uncommon words)"]["verdict"] != "stable"
