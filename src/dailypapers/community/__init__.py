"""What readers add: upvotes, comments and collections."""
