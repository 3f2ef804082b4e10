"""Papers, authors, organizations and the daily list: the catalogue everything else reads."""
