"""`mlwright serve` on a forecasting model, started as a user starts it on a real port: POST
/forecast answers the model's own forecast for the series asked for, continues a newer history
from its end, and refuses what it cannot answer with a 422 naming the field, never a 5xx;
/predict points to /forecast."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_schema_conformance, status_code_conformance)

import mlwright
from mlwright.forecasting.run import forecast
from tests.forecast_fixtures import require_statsforecast, several_series
from tests.serve_fixtures import REQUEST_SECONDS, assert_refused, post, server_error, start_service

require_statsforecast()

pytestmark = pytest.mark.timeout(600)

HORIZON = 6
FUZZ_EXAMPLES = 40
BOUNDS = ["forecast", "lower_80", "upper_80", "lower_95", "upper_95"]


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("serve-forecast") / "run"
    forecast(several_series(3, 60), time="month", target="sales", id="store", horizon=HORIZON, time_limit=30,
             out=out, store=False)
    return out / "model"


@pytest.fixture(scope="module")
def service(model_folder, tmp_path_factory):
    running = start_service(model_folder, tmp_path_factory.mktemp("serve-forecast-log") / "service.log",
                            "--no-log-predictions")
    yield running
    running.stop()


def ask(service, body) -> dict:
    return post(service, "/forecast", json=body)


def expected_rows(table: pd.DataFrame, store: str) -> pd.DataFrame:
    return table[table["store"] == store].reset_index(drop=True)


def assert_same_forecast(answered: list[dict], expected: pd.DataFrame) -> None:
    assert len(answered) == len(expected)
    assert [row["month"] for row in answered] == list(expected["month"].dt.strftime("%Y-%m-%d"))
    assert [row["store"] for row in answered] == list(expected["store"])
    for column in BOUNDS:
        np.testing.assert_allclose([row[column] for row in answered], expected[column].to_numpy(), rtol=0, atol=1e-9)


def test_one_series_is_the_models_own_forecast(service, model_folder):
    answer = ask(service, {"id": "store-1"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["model"] == str(model_folder) == answer.headers["x-mlwright-model"]
    assert body["horizon"] == HORIZON and body["time_column"] == "month" and body["id_column"] == "store"
    model = mlwright.load(model_folder)
    assert_same_forecast(body["forecasts"], expected_rows(model.forecast(), "store-1"))
    assert body["forecasts"][0]["month"] == "2020-01-01", "60 months from 2015-01 end in 2019-12"


def test_every_series_without_an_id(service):
    answer = ask(service, {})
    assert answer.status_code == 200, answer.text
    stores = [row["store"] for row in answer.json()["forecasts"]]
    assert sorted(set(stores)) == ["store-0", "store-1", "store-2"] and len(stores) == 3 * HORIZON


def test_a_newer_history_is_continued_from_its_end(service, model_folder):
    newer = several_series(3, 66)
    store_2 = newer[newer["store"] == "store-2"]
    answer = ask(service, {"history": store_2.to_dict(orient="records")})
    assert answer.status_code == 200, answer.text
    rows = answer.json()["forecasts"]
    assert rows[0]["month"] == "2020-07-01", "66 months from 2015-01 end in 2020-06"
    model = mlwright.load(model_folder)
    expected = model.forecast(history=model.read_new_history(store_2))
    assert_same_forecast(rows, expected_rows(expected, "store-2"))


def test_a_longer_horizon_gives_that_many_steps(service, model_folder):
    answer = ask(service, {"id": "store-0", "horizon": 9})
    assert answer.status_code == 200, answer.text
    rows = answer.json()["forecasts"]
    assert len(rows) == 9 and rows[-1]["month"] == "2020-09-01"
    assert_same_forecast(rows, expected_rows(mlwright.load(model_folder).forecast(horizon=9), "store-0"))


def test_an_unknown_id_is_refused_naming_it(service):
    detail = assert_refused(ask(service, {"id": "store-42"}), {422})["detail"]
    assert detail[0]["field"] == "id" and "'store-42'" in detail[0]["problem"]
    assert "store-0" in detail[0]["problem"], "the refusal lists the ids the model knows"


@pytest.mark.parametrize("horizon", [0, -3, 2.5, "six", True])
def test_a_horizon_that_is_no_whole_number_of_steps_is_refused(service, horizon):
    detail = assert_refused(ask(service, {"id": "store-0", "horizon": horizon}), {422})["detail"]
    assert detail[0]["field"] == "horizon" and "at least 1" in detail[0]["problem"]


def test_a_history_that_does_not_parse_is_refused_naming_the_record(service):
    records = several_series(1, 60).to_dict(orient="records")
    records[4]["month"] = "the fifth month"
    detail = assert_refused(ask(service, {"history": records}), {422})["detail"]
    assert detail[0]["field"] == "month" and "history[4]" in detail[0]["problem"]
    del records[7]["sales"]
    detail = assert_refused(ask(service, {"history": records[5:]}), {422})["detail"]
    assert detail[0] == {"row": 2, "field": "sales", "problem": detail[0]["problem"]}
    assert "'sales'" in detail[0]["problem"]


def test_a_misspelt_field_is_refused_not_ignored(service):
    detail = assert_refused(ask(service, {"id": "store-0", "horizn": 3}), {422})["detail"]
    assert detail[0]["field"] == "horizn" and "'horizon'" in detail[0]["problem"]


def test_predict_points_to_forecast(service):
    answer = post(service, "/predict", json={"month": "2020-01-01"})
    detail = assert_refused(answer, {404})["detail"]
    assert "POST /forecast" in detail


def test_metadata_and_the_openapi_spec_describe_the_forecast(service, model_folder):
    metadata = service.http.get("/metadata").json()
    assert metadata["kind"] == "forecast" and metadata["model"] == str(model_folder)
    assert metadata["ids"] == ["store-0", "store-1", "store-2"] and metadata["horizon"] == HORIZON
    assert service.http.get("/ready").json()["status"] == "ready"
    spec = service.http.get("/openapi.json").json()
    assert "/forecast" in spec["paths"] and "/predict" not in spec["paths"]
    assert set(spec["components"]["schemas"]["HistoryRecord"]["required"]) == {"month", "sales", "store"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_fuzzed_requests_from_the_live_spec_get_documented_answers(service, mode):
    schema = schemathesis.openapi.from_url(f"{service.url}/openapi.json", timeout=REQUEST_SECONDS)
    operation = next(op for op in (result.ok() for result in schema.get_all_operations())
                     if op.label == "POST /forecast")
    # No positive_data_acceptance: a request can match the schema and still name a series the
    # model does not know, or send a history too short to forecast; its answer is a 422.
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
    if mode is GenerationMode.NEGATIVE:
        checks.append(negative_data_rejection)
    statuses: Counter = Counter()
    failures: dict = {}

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case):
        since = service.log_size()
        response = case.call(timeout=REQUEST_SECONDS)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=checks)
        except FailureGroup as group:
            failures.setdefault(tuple(f.title for f in group.exceptions),
                                f"{str(group)[:2500]}\n{server_error(service, since)[1][-2000:]}")

    send()
    assert sum(statuses.values()) >= FUZZ_EXAMPLES // 2, statuses
    assert not failures, "\n\n".join(f"== {key}\n{report}" for key, report in failures.items())
