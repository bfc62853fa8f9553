"""Search (replaced by the Whoosh implementation)."""
from flask import Flask


def init_app(app: Flask) -> None:
    pass


def sync_index() -> int:
    return 0


def rebuild_index() -> int:
    return 0


def index_status() -> dict:
    return {"in_sync": True}


def related_cases(case, limit: int = 4) -> list:
    return []
