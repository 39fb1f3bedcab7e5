"""The model search: folds and bagging, the portfolio, tuning, the time budget, the leaderboard."""
