"""Workshops: plans saved as drafts, sent once, replies, survey questions, one set of answers per person, closing.

Each method is one transaction scoped by workspace. The once-only steps (sending a draft, sending the survey,
closing it, counting a reminder) are conditional UPDATEs, so two workers doing the same step race on the row and
exactly one wins. An answer is an upsert on (workshop, person): one row per person, replaced until the survey
closes; a closed survey refuses it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select, update

from storage.records import (
    Workshop,
    WorkshopAgendaItem,
    WorkshopAnswers,
    WorkshopParticipant,
    WorkshopQuestion,
)
from storage.repositories._base import Database, NotFound, add_audit, as_utc, rowcount
from storage.workshop_models import (
    WorkshopAgendaItemRow,
    WorkshopAnswerRow,
    WorkshopParticipantRow,
    WorkshopQuestionRow,
    WorkshopRow,
)

__all__ = ["WorkshopRepository"]

_PLAN_FIELDS = (
    "title",
    "goal",
    "scope",
    "location",
    "preparation",
    "cards",
    "timezone",
    "start_at",
    "end_at",
    "survey_delay_minutes",
    "survey_days",
    "anonymous",
)


class WorkshopRepository:
    """`save_draft`, `get`, `latest`, `mark_sent`, `set_card`, `reply`, `replace_questions`, `survey_sent`,
    `save_answer`, `answers`, `count_reminder`, `close`, `attach_decisions`."""

    def __init__(self, db: Database):
        self._db = db

    # ------------------------------------------------------------------ plan

    async def save_draft(
        self,
        workspace_id: int,
        *,
        platform: str,
        channel_id: str,
        organiser_id: str,
        plan: dict[str, Any],
        agenda: list[dict[str, Any]],
        questions: list[dict[str, Any]],
        participants: list[str],
        form: dict[str, Any],
        now: datetime,
        workshop_id: int | None = None,
    ) -> int:
        """Create a draft, or replace the draft `workshop_id` (an Edit) with the whole plan, in one transaction.
        NotFound when `workshop_id` is not a draft of this workspace."""
        values = {k: plan[k] for k in _PLAN_FIELDS if k in plan}
        async with self._db.write() as session:
            if workshop_id is None:
                row = WorkshopRow(
                    workspace_id=workspace_id,
                    platform=platform,
                    channel_id=channel_id,
                    organiser_id=organiser_id,
                    status="draft",
                    form=form,
                    decisions=[],
                    created_at=now,
                    **values,
                )
                session.add(row)
                await session.flush()
                workshop_id = row.id
            else:
                changed = await session.execute(
                    update(WorkshopRow)
                    .where(*self._is(workspace_id, workshop_id), WorkshopRow.status == "draft")
                    .values(form=form, **values)
                )
                if not rowcount(changed):
                    raise NotFound(f"workshop {workshop_id} is not a draft of this workspace")
                for model in (WorkshopAgendaItemRow, WorkshopQuestionRow, WorkshopParticipantRow):
                    await session.execute(
                        delete(model).where(model.workspace_id == workspace_id, model.workshop_id == workshop_id)
                    )
            child = {"workspace_id": workspace_id, "workshop_id": workshop_id}
            session.add_all(WorkshopAgendaItemRow(**child, position=i, **item) for i, item in enumerate(agenda))
            session.add_all(WorkshopQuestionRow(**child, position=i, **q) for i, q in enumerate(questions))
            session.add_all(
                WorkshopParticipantRow(**child, user_id=u, status="invited", reminders=0) for u in participants
            )
            add_audit(
                session, workspace_id, actor=organiser_id, action="workshop.draft", object_type="workshop",
                object_id=workshop_id,
            )  # fmt: skip
            return workshop_id

    async def get(self, workspace_id: int, workshop_id: int, *, participants: bool = True) -> Workshop | None:
        """The workshop with its agenda and questions, and its participants unless `participants=False` (an answer
        needs only the questions: with 200 people, not reading them saves the bulk of the read)."""
        async with self._db.read() as session:
            row = await session.scalar(select(WorkshopRow).where(*self._is(workspace_id, workshop_id)))
            return await self._record(session, row, participants) if row is not None else None

    async def latest(self, workspace_id: int, channel_id: str) -> Workshop | None:
        """The channel's most recent workshop that was sent (the one `workshop results` is about)."""
        async with self._db.read() as session:
            row = await session.scalar(
                select(WorkshopRow)
                .where(
                    WorkshopRow.workspace_id == workspace_id,
                    WorkshopRow.channel_id == channel_id,
                    WorkshopRow.status != "draft",
                )
                .order_by(WorkshopRow.start_at.desc(), WorkshopRow.id.desc())
                .limit(1)
            )
            return await self._record(session, row) if row is not None else None

    async def mark_sent(self, workspace_id: int, workshop_id: int, *, now: datetime) -> bool:
        """Draft -> sent; True for the one caller that made the change (a second Send press does nothing)."""
        return await self._set(workspace_id, workshop_id, WorkshopRow.status == "draft", status="sent", sent_at=now)

    async def set_card(self, workspace_id: int, workshop_id: int, message_id: str) -> None:
        await self._set(workspace_id, workshop_id, card_message_id=message_id)

    async def attach_decisions(self, workspace_id: int, workshop_id: int, decisions: list[dict[str, Any]]) -> None:
        await self._set(workspace_id, workshop_id, decisions=decisions)

    async def replace_questions(self, workspace_id: int, workshop_id: int, questions: list[dict[str, Any]]) -> bool:
        """Replace the survey's questions; False once the survey was sent (answers refer to the questions)."""
        async with self._db.write() as session:
            changed = await session.execute(
                update(WorkshopRow)
                .where(*self._is(workspace_id, workshop_id), WorkshopRow.survey_sent_at.is_(None))
                .values(survey_days=WorkshopRow.survey_days)
            )
            if not rowcount(changed):
                return False
            where = (WorkshopQuestionRow.workspace_id == workspace_id, WorkshopQuestionRow.workshop_id == workshop_id)
            await session.execute(delete(WorkshopQuestionRow).where(*where))
            session.add_all(
                WorkshopQuestionRow(workspace_id=workspace_id, workshop_id=workshop_id, position=i, **q)
                for i, q in enumerate(questions)
            )
            return True

    # ------------------------------------------------------------------ replies and survey

    async def reply(
        self, workspace_id: int, workshop_id: int, user_id: str, *, attending: bool, timezone: str | None, now: datetime
    ) -> bool:
        """Record a participant's Attend / Can't attend (the latest press wins). False for someone not invited."""
        values: dict[str, Any] = {"status": "attending" if attending else "declined", "replied_at": now}
        if timezone:
            values["timezone"] = timezone
        async with self._db.write() as session:
            changed = await session.execute(
                update(WorkshopParticipantRow).where(*self._person(workspace_id, workshop_id, user_id)).values(**values)
            )
            return bool(rowcount(changed))

    async def set_timezone(self, workspace_id: int, workshop_id: int, user_id: str, timezone: str) -> None:
        async with self._db.write() as session:
            await session.execute(
                update(WorkshopParticipantRow)
                .where(*self._person(workspace_id, workshop_id, user_id))
                .values(timezone=timezone)
            )

    async def set_timezones(self, workspace_id: int, workshop_id: int, zones: dict[str, str]) -> None:
        """Participants' time zones as the platform told them, in one transaction."""
        if not zones:
            return
        async with self._db.write() as session:
            for user_id, timezone in zones.items():
                await session.execute(
                    update(WorkshopParticipantRow)
                    .where(*self._person(workspace_id, workshop_id, user_id))
                    .values(timezone=timezone)
                )

    async def survey_sent(self, workspace_id: int, workshop_id: int, *, now: datetime, closes_at: datetime) -> bool:
        """Mark the survey as sent (first caller only) with the time it closes."""
        return await self._set(
            workspace_id, workshop_id, WorkshopRow.survey_sent_at.is_(None), survey_sent_at=now, closes_at=closes_at
        )

    async def save_answer(
        self, workspace_id: int, workshop_id: int, user_id: str, answers: dict[str, Any], *, now: datetime
    ) -> str:
        """'new', 'updated', 'closed' (the survey closed: nothing saved) or 'not_invited'."""
        async with self._db.write() as session:
            row = await session.scalar(select(WorkshopRow).where(*self._is(workspace_id, workshop_id)))
            if row is None:
                raise NotFound(f"workshop {workshop_id} is not in this workspace")
            closes = as_utc(row.closes_at)
            if row.status == "closed" or (closes is not None and now >= closes):
                return "closed"
            invited = await session.scalar(select(exists().where(*self._person(workspace_id, workshop_id, user_id))))
            if not invited:
                return "not_invited"
            inserted = await session.execute(
                self._db.insert(WorkshopAnswerRow)
                .values(
                    workspace_id=workspace_id,
                    workshop_id=workshop_id,
                    user_id=user_id,
                    answers=answers,
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=["workshop_id", "user_id"])
            )
            if rowcount(inserted) == 1:
                return "new"
            await session.execute(
                update(WorkshopAnswerRow)
                .where(
                    WorkshopAnswerRow.workspace_id == workspace_id,
                    WorkshopAnswerRow.workshop_id == workshop_id,
                    WorkshopAnswerRow.user_id == user_id,
                )
                .values(answers=answers, updated_at=now)
            )
            return "updated"

    async def answers(self, workspace_id: int, workshop_id: int) -> list[WorkshopAnswers]:
        async with self._db.read() as session:
            rows = await session.scalars(
                select(WorkshopAnswerRow)
                .where(WorkshopAnswerRow.workspace_id == workspace_id, WorkshopAnswerRow.workshop_id == workshop_id)
                .order_by(WorkshopAnswerRow.id)
            )
            return [
                WorkshopAnswers(r.user_id, dict(r.answers), as_utc(r.created_at), as_utc(r.updated_at)) for r in rows
            ]

    async def answer_of(self, workspace_id: int, workshop_id: int, user_id: str) -> WorkshopAnswers | None:
        return next((a for a in await self.answers(workspace_id, workshop_id) if a.user_id == user_id), None)

    async def count_reminder(self, workspace_id: int, workshop_id: int, user_id: str, *, limit: int) -> bool:
        """Count one survey reminder for `user_id` if they have not answered, the survey is open and fewer than
        `limit` were sent; True when the caller may send it (one winner per reminder, however many workers)."""
        answered = exists().where(WorkshopAnswerRow.workshop_id == workshop_id, WorkshopAnswerRow.user_id == user_id)
        open_survey = exists().where(*self._is(workspace_id, workshop_id), WorkshopRow.status == "sent")
        async with self._db.write() as session:
            changed = await session.execute(
                update(WorkshopParticipantRow)
                .where(
                    *self._person(workspace_id, workshop_id, user_id),
                    WorkshopParticipantRow.reminders < limit,
                    ~answered,
                    open_survey,
                )
                .values(reminders=WorkshopParticipantRow.reminders + 1)
            )
            return bool(rowcount(changed))

    async def close(self, workspace_id: int, workshop_id: int, *, now: datetime) -> bool:
        """Sent -> closed (first caller only): answers are no longer accepted."""
        return await self._set(workspace_id, workshop_id, WorkshopRow.status == "sent", status="closed", closed_at=now)

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _is(workspace_id: int, workshop_id: int) -> tuple[Any, ...]:
        return (WorkshopRow.workspace_id == workspace_id, WorkshopRow.id == workshop_id)

    @staticmethod
    def _person(workspace_id: int, workshop_id: int, user_id: str) -> tuple[Any, ...]:
        return (
            WorkshopParticipantRow.workspace_id == workspace_id,
            WorkshopParticipantRow.workshop_id == workshop_id,
            WorkshopParticipantRow.user_id == user_id,
        )

    async def _set(self, workspace_id: int, workshop_id: int, *conditions: Any, **values: Any) -> bool:
        async with self._db.write() as session:
            changed = await session.execute(
                update(WorkshopRow).where(*self._is(workspace_id, workshop_id), *conditions).values(**values)
            )
            return bool(rowcount(changed))

    async def _record(self, session: Any, row: WorkshopRow, with_people: bool = True) -> Workshop:
        def children(model: Any) -> Any:
            return (
                select(model)
                .where(model.workspace_id == row.workspace_id, model.workshop_id == row.id)
                .order_by(model.id if model is WorkshopParticipantRow else model.position)
            )

        agenda = [
            WorkshopAgendaItem(a.position, a.title, a.minutes, a.visual_aid, a.activity)
            for a in await session.scalars(children(WorkshopAgendaItemRow))
        ]
        questions = [
            WorkshopQuestion(q.position, q.kind, q.text, tuple(q.options or ()), q.driver)
            for q in await session.scalars(children(WorkshopQuestionRow))
        ]
        people = [
            WorkshopParticipant(p.user_id, p.status, p.timezone, as_utc(p.replied_at), p.reminders)
            for p in (await session.scalars(children(WorkshopParticipantRow)) if with_people else ())
        ]
        return Workshop(
            id=row.id,
            workspace_id=row.workspace_id,
            platform=row.platform,
            channel_id=row.channel_id,
            organiser_id=row.organiser_id,
            status=row.status,
            title=row.title,
            goal=row.goal,
            scope=row.scope,
            location=row.location,
            preparation=row.preparation,
            cards=tuple(row.cards or ()),
            timezone=row.timezone,
            start_at=as_utc(row.start_at),
            end_at=as_utc(row.end_at),
            survey_delay_minutes=row.survey_delay_minutes,
            survey_days=row.survey_days,
            anonymous=row.anonymous,
            form=dict(row.form or {}),
            card_message_id=row.card_message_id,
            decisions=tuple(row.decisions or ()),
            created_at=as_utc(row.created_at),
            sent_at=as_utc(row.sent_at),
            survey_sent_at=as_utc(row.survey_sent_at),
            closes_at=as_utc(row.closes_at),
            closed_at=as_utc(row.closed_at),
            agenda=tuple(agenda),
            questions=tuple(questions),
            participants=tuple(people),
        )
