"""The patient's own settings: contact details, time zone, and known conditions."""
