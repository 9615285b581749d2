"""Patients: the people keeping a diary, their team, contact details and known conditions."""
