"""The features the Assistant serves: one package per feature, each exposing `register(router)`.

Owns the list. A new feature is a new package under bot/core with a `register(router)` and one line here; a
feature that runs durable jobs of its own (reminders, scheduled sends) also gives `job_handlers()` its handlers.
"""

from __future__ import annotations

from typing import Any

from bot.core.router import Router

__all__ = ["register_all", "job_handlers"]


def register_all(router: Router) -> None:
    # imported here so that importing one feature package does not load them all
    from bot.core import experts, imports, nudges, scenarios, workshops
    from bot.core.baselines import feature as baselines
    from bot.core.decisions import feature as decisions
    from bot.core.social import feature as social

    for feature in (baselines, imports, social, nudges, experts, workshops, scenarios, decisions):
        feature.register(router)


def job_handlers() -> dict[str, Any]:
    """The worker's handlers for the job kinds features define, by kind (`Turn.later` queues them)."""
    from bot.core.experts import jobs as expert_jobs
    from bot.core.nudges import job as nudge_jobs
    from bot.core.workshops import jobs as workshop_jobs

    handlers: dict[str, Any] = {}
    for module in (nudge_jobs, expert_jobs, workshop_jobs):
        for kind, handler in module.handlers().items():
            if kind in handlers:
                raise ValueError(f"job kind {kind!r} is handled twice")
            handlers[kind] = handler
    return handlers
