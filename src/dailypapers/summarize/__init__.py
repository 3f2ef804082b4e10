"""Offline summaries and keywords: extractive, from static token vectors; no downloads."""
