"""Rate limits counted in the database: one token bucket row per action and client."""
