"""First-page thumbnails of papers: rendered from the PDF by a worker job, served from disk."""
