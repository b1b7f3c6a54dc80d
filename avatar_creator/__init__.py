"""Avatar Creator: AI avatars kept in projects, generated as durable jobs."""

__version__ = "0.1.0"
