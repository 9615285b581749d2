""" "Ask my team to contact me" (issue 21): patient-initiated follow-up, from the diary or by text.

The request, when it is due (`due`, pure), making one (`services`), and the patient's pages
(`views`). The team's side (its queue, outcomes and metrics) is tracker.team.requests.
"""
