"""返品 (returns) and 戻し (put-backs after a cancellation): goods coming back to the shelves."""
