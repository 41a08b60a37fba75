"""label_generator package."""
