"""gunicorn's settings for the web process: `gunicorn -c gunicorn.conf.py wsgi:app`.

Behind a TLS reverse proxy that buffers requests (docs/deploy.md): gunicorn must never be
reachable from anywhere else, so it listens on loopback unless told otherwise. Override any
value on the command line or in GUNICORN_CMD_ARGS, e.g. `--bind 10.0.0.5:8000 --workers 4`.
"""

from __future__ import annotations

import multiprocessing

_cores = multiprocessing.cpu_count()

bind = "127.0.0.1:8000"
# Threads, so a page waiting on the database does not hold a whole process; processes, so one
# busy request does not hold the interpreter's lock for everyone. Each thread may hold one
# database connection (SQLAlchemy's pool is 5 and 10 more per process): size PostgreSQL's
# max_connections from workers x threads (docs/deploy.md).
worker_class = "gthread"
workers = max(2, _cores * 2)
threads = 4
# A request that takes longer than this is killed and its worker replaced; the proxy waits a
# little longer (proxy_read_timeout 60s), so it answers 502 rather than cutting gunicorn off.
timeout = 30
graceful_timeout = 30
keepalive = 5
# A fresh process now and then keeps slow growth (caches, fragmentation) from adding up.
max_requests = 2000
max_requests_jitter = 200
# Fail at start-up, in the master, if the app cannot be built (a bad setting, no rules file),
# rather than in every worker in a loop; workers share the compiled code.
preload_app = True

# The access log has no path and no query string: a path can carry health detail
# (/diary/symptoms/bone_pain) or a credential (/join/<token>), and a query string anything.
# The method, status, size and time are enough to see errors and slowness; the route template
# is in the metrics (tracker_http_request_duration_seconds). No client address either: behind
# the proxy it is the proxy's own.
accesslog = "-"
access_log_format = '%(t)s "%(m)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = "info"
# The proxy sets X-Forwarded-For and -Proto; the app trusts them (TRACKER_PROXY_COUNT) through
# Werkzeug's ProxyFix, not gunicorn.
forwarded_allow_ips = "127.0.0.1"
# gunicorn 27's control socket is one path per user (~/.gunicorn): two services, or a service and
# a test run, would fight over it. The supervisor (systemd) controls the process with signals.
control_socket_disable = True


def post_fork(server, worker) -> None:
    """Each worker opens database connections of its own: none made in the master is shared."""
    engine = worker.app.wsgi().extensions.get("engine")  # none in an app without a database
    if engine is not None:  # (bench/web.py's bare endpoint runs under these settings too)
        engine.dispose(close=False)
