"""dailypapers: a self-hosted research-paper discovery platform."""

__version__ = "0.1.0"
