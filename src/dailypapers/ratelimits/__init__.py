"""Rate limits counted in the database: one window of hits per action and client."""
