"""Checks of a report beyond its tables' arithmetic: its metadata, its prose against the tables, and the audit
(what the law and the template ask: parts, compliance, deadlines, indicators, cross-year series, boilerplate)."""
