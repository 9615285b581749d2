"""The scheduler process and its jobs (APScheduler 3), run apart from the web workers.

    flask --app wsgi jobs run        (or: python -m jobs)

`scheduler.py` builds the scheduler and runs it until SIGTERM; `settings.py` works out which daily
detection run is due; each job is a thin module that opens an app context and calls a use case in
`tracker/` (`detect.py`: the daily detection, `assess_lost.py`: saves whose assessment was
lost, `dispatch.py`: sending due messages every minute, `remind.py`: queueing diary reminders,
`prune.py`: expired sign-in failures); `dev.py` starts the scheduler inside `make run`'s
development server; `cli.py` holds the `jobs` commands.
"""
