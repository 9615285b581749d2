"""Detection: read diaries from the database, run the one engine, apply the findings as alerts."""
