"""Checks of a report beyond its tables' arithmetic: what the law and the template ask (audit)."""
