import mlwright


def test_public_surface_is_small_and_deliberate():
    assert sorted(mlwright.__all__) == ["AutoAnomalyDetector", "AutoClassifier", "AutoCluster", "AutoRegressor",
                                        "MlwrightError", "TrainedModel",
                                        "__version__", "check_drift", "cluster", "compare_runs", "find_anomalies", "forecast", "load", "open_store",
                                        "profile_table", "retrain", "train"]
    for name in mlwright.__all__:
        assert hasattr(mlwright, name)


def test_train_stays_the_function_once_its_module_is_imported():
    import subprocess
    import sys

    code = ("import mlwright, mlwright.train, mlwright.estimators\n"
            "from mlwright.train import train\n"
            "assert mlwright.train is train, type(mlwright.train)\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
