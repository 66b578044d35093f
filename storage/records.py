"""What repositories return: plain frozen dataclasses, never ORM rows (safe to keep after the session).

Times are timezone-aware UTC datetimes on every database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

__all__ = [
    "Workspace",
    "Conversation",
    "BaselineVersion",
    "Scenario",
    "SentMessage",
    "Comment",
    "AuditEntry",
    "PendingImport",
    "ImportDecision",
    "Job",
    "OutboxEntry",
    "Schedule",
    "Forecast",
    "PeriodOutcome",
    "Decision",
    "Role",
    "Invitation",
    "Estimate",
    "ExpertSettings",
    "Workshop",
    "WorkshopAgendaItem",
    "WorkshopQuestion",
    "WorkshopParticipant",
    "WorkshopAnswers",
]


@dataclass(frozen=True, slots=True)
class Workspace:
    """A tenant. `platform` is 'slack', 'teams' or 'console'; `external_id` the Slack team or enterprise
    id, or the Teams tenant id. The settings are the workspace's defaults for forecasts and schedules."""

    id: int
    platform: str
    external_id: str
    name: str | None
    currency: str
    confidence: float
    timezone: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Conversation:
    """A place the bot can post to; `reference` is the platform's conversation reference (Teams)."""

    id: int
    workspace_id: int
    channel_id: str
    kind: str
    reference: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class BaselineVersion:
    """One saved version of a channel's baseline.

    `data` is the DESIGN section 6 JSON. From `save`, `latest` and `get` it includes "pipeline" (the deals
    in their saved order); `history` leaves the deals out, and then `data` has no "pipeline" key
    (`has_pipeline` is False). `deal_count` is always the number of deals saved.
    """

    id: int
    workspace_id: int
    channel_id: str
    version: int
    data: dict[str, Any]
    deal_count: int
    created_by: str
    note: str
    created_at: datetime

    @property
    def has_pipeline(self) -> bool:
        return "pipeline" in self.data


@dataclass(frozen=True, slots=True)
class Scenario:
    """A what-if question and its answer: `changes` is a list of {"driver","from","to"[,"deal"]};
    `summary` holds the forecast summaries; `baseline_id` the baseline version it was computed on."""

    id: int
    workspace_id: int
    channel_id: str
    question: str
    intent: str
    changes: list[dict[str, Any]]
    baseline_id: int | None
    summary: dict[str, Any]
    asked_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the bot posted: `message_id` is the Slack ts or Teams activity id; `payload` the card as
    a dict, kept so the card can be re-rendered (e.g. with a new like/comment footer)."""

    id: int
    workspace_id: int
    platform: str
    channel_id: str
    message_id: str
    thread_id: str | None
    kind: str
    scenario_id: int | None
    payload: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Comment:
    """A reply in a card's thread. `deleted_at` is set when the author deleted it."""

    id: int
    workspace_id: int
    sent_message_id: int
    author_id: str
    message_id: str
    text: str
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the append-only audit log."""

    id: int
    workspace_id: int
    actor: str
    action: str
    object_type: str
    object_id: str | None
    detail: dict[str, Any]
    at: datetime


@dataclass(frozen=True, slots=True)
class PendingImport:
    """A CSV import awaiting a decision. `status` is 'pending', 'accepted' or 'cancelled'; `candidate` the
    baseline it would store (DESIGN section 6 JSON), `preview` what the preview card showed; `baseline_id` the
    version an accepted import became. A pending import past `expires_at` can no longer be accepted."""

    id: int
    workspace_id: int
    channel_id: str
    created_by: str
    source_name: str
    status: str
    candidate: dict[str, Any]
    preview: dict[str, Any]
    baseline_id: int | None
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime
    expires_at: datetime
    fit: dict[str, Any] | None = None  # re-fit state and per-driver choices (migration 0003); None before it

    def expired(self, now: datetime) -> bool:
        return self.status == "pending" and now >= self.expires_at


@dataclass(frozen=True, slots=True)
class ImportDecision:
    """What accepting, cancelling or re-choosing did. `outcome`: 'accepted' / 'cancelled' / 'updated' (done now),
    'already_accepted', 'already_cancelled', 'expired', 'not_found', or 'stale' (the card or the change was made
    on older choices than the stored ones): nothing changed. `baseline` is the version stored now."""

    outcome: str
    pending: PendingImport | None = None
    baseline: BaselineVersion | None = None

    @property
    def done(self) -> bool:
        return self.outcome in ("accepted", "cancelled", "updated")


@dataclass(frozen=True, slots=True)
class Job:
    """A unit of durable work (see storage.models.JobRow). `attempts` counts claims so far, this one included."""

    id: int
    key: str
    kind: str
    workspace_id: int | None
    payload: dict[str, Any]
    status: str
    attempts: int
    max_attempts: int
    runs: int
    run_at: datetime
    lease_until: datetime | None
    leased_by: str | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One send under its idempotency key: 'sent' entries carry the platform's id (`remote_id`)."""

    id: int
    key: str
    workspace_id: int | None
    platform: str
    operation: str
    channel_id: str
    thread_id: str | None
    status: str
    remote_id: str | None
    remote_channel: str | None
    chart_token: str | None
    attempts: int
    last_error: str | None
    attempted_at: datetime | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class Schedule:
    """A recurring job: `cron` read in `timezone`; `next_run_at` in UTC."""

    id: int
    key: str
    kind: str
    workspace_id: int | None
    cron: str
    timezone: str
    payload: dict[str, Any]
    active: bool
    next_run_at: datetime
    last_run_at: datetime | None


@dataclass(frozen=True, slots=True)
class Forecast:
    """A published P(reach target): `kind` is what published it ('nudge', 'forecast', 'whatif', ...), `as_of`
    the day the forecast was computed for and `period_end` the end of the period it is about."""

    id: int
    workspace_id: int
    channel_id: str
    kind: str
    key: str | None
    p_hit: float
    baseline_id: int | None
    baseline_version: int | None
    as_of: date
    period_end: date
    target: float | None
    published_at: datetime


@dataclass(frozen=True, slots=True)
class PeriodOutcome:
    """An ended period's result: `booked` against `target`, `hit` when booked reached it."""

    id: int
    workspace_id: int
    channel_id: str
    period_end: date
    target: float
    booked: float
    hit: bool
    baseline_id: int | None
    source: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision on a scenario card (`sent_message_id`, the card's sent_messages row). `kind` is 'adopt', 'keep'
    or 'other'; `status` 'open' or 'done'; `card_message_id` the decision card's platform id once posted;
    `baseline_version` the channel's version an adopted scenario became, if it was made the baseline."""

    id: int
    workspace_id: int
    channel_id: str
    key: str | None
    sent_message_id: int
    scenario_id: int | None
    decided_by: str
    kind: str
    text: str
    owner_id: str
    due_date: date
    status: str
    done_at: datetime | None
    done_by: str | None
    card_message_id: str | None
    baseline_version: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Role:
    """`user_id` holds `role` in the workspace: in every channel when `channel_id` is "", else in that one."""

    workspace_id: int
    channel_id: str
    user_id: str
    role: str
    set_by: str
    set_at: datetime


@dataclass(frozen=True, slots=True)
class Invitation:
    """An expert asked by DM about the scenario card `sent_message_id` (in `channel_id`). `parent_id` is the
    invitation of the person who invited them (None when the card's reader asked directly), `depth` 1 for a
    direct invitation; `status` is 'pending', 'answered', 'declined' or 'expired'."""

    id: int
    workspace_id: int
    sent_message_id: int
    channel_id: str
    inviter_id: str
    inviter_name: str
    invitee_id: str
    invitee_name: str
    parent_id: int | None
    depth: int
    question: str
    driver: str | None
    status: str
    dm_channel_id: str | None
    dm_message_id: str | None
    created_at: datetime
    expires_at: datetime
    reminded_at: datetime | None
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Estimate:
    """An expert's estimate with the invitation it answers (the expert is `invitation.invitee_id`)."""

    id: int
    workspace_id: int
    invitation: Invitation
    text: str
    driver: str | None
    changes: list[Any]
    p_hit: float
    message_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ExpertSettings:
    """A workspace's expert limits; None means the default."""

    max_depth: int | None = None
    max_per_card: int | None = None
    expiry_days: int | None = None


@dataclass(frozen=True, slots=True)
class WorkshopAgendaItem:
    position: int
    title: str
    minutes: int
    visual_aid: str
    activity: str


@dataclass(frozen=True, slots=True)
class WorkshopQuestion:
    """`kind`: 'rating' (1-5), 'choice' (one of `options`), 'number' (run through the engine as `driver`), 'text'."""

    position: int
    kind: str
    text: str
    options: tuple[str, ...] = ()
    driver: str | None = None


@dataclass(frozen=True, slots=True)
class WorkshopParticipant:
    """`status`: 'invited', 'attending' or 'declined'; `reminders`: survey reminders sent so far."""

    user_id: str
    status: str
    timezone: str | None
    replied_at: datetime | None
    reminders: int


@dataclass(frozen=True, slots=True)
class WorkshopAnswers:
    """One person's survey answers: `answers` by question position (as text)."""

    user_id: str
    answers: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Workshop:
    """A planned workshop with its agenda, questions and participants. `status`: 'draft', 'sent' or 'closed'."""

    id: int
    workspace_id: int
    platform: str
    channel_id: str
    organiser_id: str
    status: str
    title: str
    goal: str
    scope: str
    location: str
    preparation: str
    cards: tuple[str, ...]
    timezone: str
    start_at: datetime
    end_at: datetime
    survey_delay_minutes: int
    survey_days: int
    anonymous: bool
    form: dict[str, Any]
    card_message_id: str | None
    decisions: tuple[Any, ...]
    created_at: datetime
    sent_at: datetime | None
    survey_sent_at: datetime | None
    closes_at: datetime | None
    closed_at: datetime | None
    agenda: tuple[WorkshopAgendaItem, ...] = ()
    questions: tuple[WorkshopQuestion, ...] = ()
    participants: tuple[WorkshopParticipant, ...] = ()
