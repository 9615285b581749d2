"""The scheduler process and its jobs (APScheduler 3), run apart from the web workers.

The detection, reminder and dispatch jobs arrive with their issues; each is a thin module that
opens an app context and calls a use case in `tracker/`.
"""
