"""Digests, charts and spreadsheets for coordinators and staff."""
