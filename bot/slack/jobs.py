"""The Slack jobs the worker runs besides neutral events: files shared with the bot.

Owns the `slack.files` job: each file someone gave the bot (a CSV in the DM or attached to an @mention) is
downloaded with the bot token (bot.slack.files: Slack's file host only, size-capped) and handed to the core as a
FileShared event; a file that cannot be downloaded gets a message saying why. The bytes live only in the job's
run, never in a database row.
"""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.events import FileShared
from bot.slack.app import FILES_JOB, file_from_dict
from bot.slack.files import download
from bot.worker import JobContext, JobHandler
from storage import Job

__all__ = ["handlers"]


def handlers(client: AsyncWebClient, api_url: str) -> dict[str, JobHandler]:
    async def run_files(job: Job, ctx: JobContext) -> None:
        outbox = ctx.outbox("slack")
        for data in job.payload["files"]:
            shared = file_from_dict(data)
            got = await download(client, shared, api_url=api_url)
            if got.data is None:
                await outbox.send(
                    shared.place, got.problem or "I could not read that file.", thread_id=shared.place.thread_id
                )
                continue
            event = FileShared(
                shared.actor, shared.place, got.name, got.data, got.size, shared.delivery_id, shared.message_id
            )
            await ctx.handle(event)

    return {FILES_JOB: run_files}
