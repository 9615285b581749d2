"""Messages to patients and teams: the outbox, the dispatcher, the channels, Twilio's webhooks.

Kept light at import: tracker.config imports `tracker.notify.sms_words` while settings are read.
"""
