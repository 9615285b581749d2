"""What the service gives back: the summary for a GP or team, and everything held, as a zip."""
