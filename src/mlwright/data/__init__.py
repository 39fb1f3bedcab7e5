"""Reading, cleaning and understanding tables: everything before features."""
