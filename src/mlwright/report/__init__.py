"""Pages people read: rendered from results, written by the stage that owns them."""
