import mlwright


def test_public_surface_is_small_and_deliberate():
    assert sorted(mlwright.__all__) == ["AutoClassifier", "AutoRegressor", "MlwrightError", "TrainedModel",
                                        "__version__", "check_drift", "load", "open_store", "profile_table",
                                        "retrain", "train"]
    for name in mlwright.__all__:
        assert hasattr(mlwright, name)
