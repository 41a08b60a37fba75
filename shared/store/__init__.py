"""The store: submissions, results and frozen leaderboard versions (SQLite or a Hub dataset).

Builds on `shared.method` and `shared.records`; never imports the bundle code, so the read-only
apps load no validation code.
"""
