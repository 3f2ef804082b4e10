"""The worker: scheduled jobs and their run records."""
