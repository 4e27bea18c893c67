"""Layout templates, static files and shared page helpers."""
