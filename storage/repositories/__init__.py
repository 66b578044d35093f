"""Repositories: intent-named async methods, one transaction each, returning records (storage.records).

Every method but the workspace lookups and the inbox takes `workspace_id` and filters by it, so no call
reads or writes another tenant's rows. Use them through `storage.Storage`.
"""

from storage.repositories._base import Database, NotFound
from storage.repositories.audit import AuditRepository
from storage.repositories.baselines import BaselineRepository
from storage.repositories.charts import ChartRepository
from storage.repositories.comments import CommentRepository
from storage.repositories.conversations import ConversationRepository
from storage.repositories.decisions import DecisionRepository, RoleRepository
from storage.repositories.experts import ExpertRepository
from storage.repositories.forecasts import ForecastRepository
from storage.repositories.imports import ImportRepository
from storage.repositories.inbox import InboxRepository
from storage.repositories.jobs import JobRepository, NewJob, ScheduleRepository
from storage.repositories.likes import BUTTON, LikeRepository
from storage.repositories.messages import MessageRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.scenarios import ScenarioRepository
from storage.repositories.workshops import WorkshopRepository
from storage.repositories.workspaces import WorkspaceRepository

__all__ = [
    "BUTTON",
    "AuditRepository",
    "BaselineRepository",
    "ChartRepository",
    "CommentRepository",
    "ConversationRepository",
    "Database",
    "DecisionRepository",
    "ExpertRepository",
    "ForecastRepository",
    "ImportRepository",
    "InboxRepository",
    "JobRepository",
    "NewJob",
    "OutboxRepository",
    "ScheduleRepository",
    "LikeRepository",
    "MessageRepository",
    "NotFound",
    "RoleRepository",
    "ScenarioRepository",
    "WorkshopRepository",
    "WorkspaceRepository",
]
