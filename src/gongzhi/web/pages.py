"""Server-rendered pages."""

from fastapi import FastAPI


def mount(app: FastAPI) -> None:
    """Mount static files and page routes on the app."""
