"""Ranking papers: the trending score shared by the trending page, the API and the digests."""
