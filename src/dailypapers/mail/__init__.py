"""Email: addresses, templates, the outbox, delivery and the SMTP transport."""
