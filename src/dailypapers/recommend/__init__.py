"""The For-you feed: recent papers ranked by similarity to what a reader upvoted and collected."""
