"""What an operations team watches: liveness, readiness, metrics, and the jobs' last successes."""
