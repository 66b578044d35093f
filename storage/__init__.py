"""Storage: the bot's database (SQLite or PostgreSQL) behind intent-named async repositories.

    from storage import Storage, make_engine
    store = Storage(make_engine(settings.database_url))
    ws = await store.workspaces.ensure("slack", "T123", "Acme")
    await store.baselines.save(ws.id, "C1", baseline_dict, created_by="U1")
    ...
    await store.dispose()

Repositories return the frozen records of `storage.records`, never ORM rows. Migrations: `storage.migrate`
(`python -m storage upgrade`). Nothing in this package but the CLI (`storage/__main__.py`) reads the
environment. This package imports nothing from bot/ or engine/.
"""

from storage.db import make_engine, make_sessionmaker, normalize_url
from storage.facade import Storage
from storage.migrate import DatabaseBehind
from storage.records import (
    AuditEntry,
    BaselineVersion,
    Comment,
    Conversation,
    ImportDecision,
    Job,
    OutboxEntry,
    PendingImport,
    Scenario,
    Schedule,
    SentMessage,
    Workspace,
)
from storage.repositories import BUTTON, NewJob, NotFound
from storage.repositories.installations import Refreshed, SlackBot, SlackInstaller
from storage.repositories.workspace_data import Tenant
from storage.secrets import NoSecretKey, Secrets, SecretUnreadable

__all__ = [
    "BUTTON",
    "AuditEntry",
    "BaselineVersion",
    "Comment",
    "Conversation",
    "DatabaseBehind",
    "ImportDecision",
    "Job",
    "OutboxEntry",
    "Schedule",
    "PendingImport",
    "NewJob",
    "NoSecretKey",
    "Refreshed",
    "Secrets",
    "SecretUnreadable",
    "SlackBot",
    "SlackInstaller",
    "Tenant",
    "NotFound",
    "Scenario",
    "SentMessage",
    "Storage",
    "Workspace",
    "make_engine",
    "make_sessionmaker",
    "normalize_url",
]
