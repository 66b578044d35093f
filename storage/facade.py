"""The Storage facade: one object holding the engine and every repository, made once at start-up."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_engine
from storage.repositories import (
    AuditRepository,
    BaselineRepository,
    ChartRepository,
    CommentRepository,
    ConversationRepository,
    Database,
    DecisionRepository,
    ExpertRepository,
    ForecastRepository,
    ImportRepository,
    InboxRepository,
    JobRepository,
    LikeRepository,
    MessageRepository,
    OutboxRepository,
    RoleRepository,
    ScenarioRepository,
    ScheduleRepository,
    WorkshopRepository,
    WorkspaceRepository,
)
from storage.repositories.installations import OAuthStateRepository, SlackInstallRepository
from storage.repositories.teams_installs import TeamsInstallRepository
from storage.repositories.workspace_data import WorkspaceDataRepository
from storage.secrets import Secrets

__all__ = ["Storage"]


class Storage:
    """`Storage(engine)`: `workspaces`, `conversations`, `baselines`, `scenarios`, `messages`, `likes`,
    `comments`, `inbox`, `audit`, `imports`, `jobs`, `schedules`, `outbox`, `charts`, `forecasts` (the track record),
    `decisions` and `roles` (the decision log), `experts` (invitations and estimates), `workshops` (plans and surveys),
    `slack_installs` and `oauth_states` (Slack installations, their tokens sealed with `secrets`), `teams_installs`,
    `workspace_data` (a workspace's data as a whole: export, delete, cancel); `await dispose()` at shutdown (or use
    `async with`). `secrets` (storage.secrets.Secrets over the SECRET_KEY keys) seals tokens; without it, none is
    stored."""

    def __init__(self, engine: AsyncEngine, *, secrets: Secrets | None = None):
        self.engine = engine
        self.secrets = secrets or Secrets()
        db = Database(engine)
        self.workspaces = WorkspaceRepository(db)
        self.conversations = ConversationRepository(db)
        self.baselines = BaselineRepository(db)
        self.scenarios = ScenarioRepository(db)
        self.messages = MessageRepository(db)
        self.likes = LikeRepository(db)
        self.comments = CommentRepository(db)
        self.jobs = JobRepository(db)
        self.inbox = InboxRepository(db, self.jobs)
        self.schedules = ScheduleRepository(db, self.jobs)
        self.outbox = OutboxRepository(db)
        self.charts = ChartRepository(db)
        self.audit = AuditRepository(db)
        self.imports = ImportRepository(db)
        self.forecasts = ForecastRepository(db)
        self.decisions = DecisionRepository(db)
        self.roles = RoleRepository(db)
        self.experts = ExpertRepository(db)
        self.workshops = WorkshopRepository(db)
        self.slack_installs = SlackInstallRepository(db, self.secrets)
        self.oauth_states = OAuthStateRepository(db)
        self.teams_installs = TeamsInstallRepository(db)
        self.workspace_data = WorkspaceDataRepository(db)

    @classmethod
    def from_url(cls, url: str | URL, *, secrets: Secrets | None = None, **engine_kwargs: Any) -> Storage:
        return cls(make_engine(url, **engine_kwargs), secrets=secrets)

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    async def dispose(self) -> None:
        await self.engine.dispose()

    async def __aenter__(self) -> Storage:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.dispose()
