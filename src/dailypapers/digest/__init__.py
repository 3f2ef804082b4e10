"""Email digests: subscriptions, composing, the outbox and delivery."""
