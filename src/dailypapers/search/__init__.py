"""Full-text and semantic search, fused; similar papers; the quality harness."""
