"""Support and hospice signposting: a directory of services, and plain information pages.

- `models`: the services, the areas they serve, and the append-only record of every change.
- `validation` and `postcodes`: pure checks, shared by the CSV import and (later) staff forms.
- `services`: the use cases (add, edit, retire, search, stale, for_prompt).
- `csv_io`: export, and an all-or-nothing import.
- `views`: the public pages at /support; `cli`: `flask --app wsgi support ...`.
"""
