"""`python -m jobs`: the scheduler process (the same as `flask --app wsgi jobs run`)."""

from __future__ import annotations

from jobs.scheduler import run_forever
from tracker import create_app


def main() -> None:
    """Build the app from the environment and run the scheduler until SIGTERM."""
    run_forever(create_app())


if __name__ == "__main__":
    main()
