"""The background work of the ledger engine (django-tasks; `manage.py db_worker` in production)."""

from __future__ import annotations

from django_tasks import task


@task()
def commit_import(job_id: int) -> None:
    """Commit a previewed import: every promised row or none (engine.run_commit)."""
    from .engine import run_commit

    run_commit(job_id)
