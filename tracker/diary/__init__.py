"""The patient's diary: entries, their history, charts and the pages that show them."""
