"""Forecasting: series read on a regular calendar, methods chosen by rolling-origin backtesting,
intervals calibrated on the backtest's errors (``mlwright.forecast``)."""
