"""Watch deployed models and retrain them: drift, performance, champion against challenger."""
