"""The site's change counter: one number that every write to a listed table moves."""
