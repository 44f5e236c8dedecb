"""Op tables, one per array namespace. Each module imports its framework lazily."""
