"""The dispatcher: send what the outbox holds that is due, once, and record every outcome.

Why a message is sent once, however many dispatchers run and whenever one dies:

1. A claim is a conditional write (`claims`): `FOR UPDATE SKIP LOCKED` on PostgreSQL, an
   `UPDATE … RETURNING` checked row by row on SQLite.
2. A claim is a lease (`lease_until`, `lease_owner`). Every write-back is conditional on the
   lease still being ours (`outcomes.record`), so a dispatcher that lost its lease cannot
   overwrite the one that took over. A dispatcher killed after claiming leaves rows `sending`;
   once the lease runs out they are claimable again. The lease is several send timeouts long,
   so an expired lease means no request for it is still in flight.
3. Twilio's message creation is not idempotent: a text whose send may have reached Twilio is
   looked up there before any resend (`sending`). Status callbacks, which carry our message id
   in their URL, settle an unknown message too.

The steps, one module each: `claims`, `screening` (quiet hours, opt-outs, consent), `sending`
(worker threads, the rate cap), `outcomes` (one table, one `record`), and `loop` (the pass).
"""

from tracker.notify.dispatch.loop import DispatchSummary, dispatch_due

__all__ = ["DispatchSummary", "dispatch_due"]
