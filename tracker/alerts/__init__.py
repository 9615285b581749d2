"""Alerts: one per episode the rules flagged, its history, and the prompts it queues (rules §4)."""
