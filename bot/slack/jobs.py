"""The Slack jobs the worker runs besides neutral events: files shared with the bot, and slash commands.

Owns the `slack.files` job: each file someone gave the bot (a CSV in the DM or attached to an @mention) is
downloaded with the bot token (bot.slack.files: Slack's file host only, size-capped) and handed to the core as a
FileShared event; a file that cannot be downloaded gets a message saying why. The bytes live only in the job's
run, never in a database row.

Owns the `slack.command` job too: the command's event runs like any other, but its outbox gets the command's
response_url as a fallback (bot.slack.respond), so an answer refused because the bot is not in the channel still
reaches the person, with a hint to invite the bot.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from bot.core.events import FileShared
from bot.core.jobs import RetryLater, SendError, event_from_dict
from bot.slack.app import COMMAND_JOB, FILES_JOB, file_from_dict
from bot.slack.files import download
from bot.slack.respond import ResponseUrl
from bot.slack.sender import SlackSender
from bot.worker import JobContext, JobHandler
from storage import Job

__all__ = ["handlers"]


def handlers(sender: SlackSender, api_url: str) -> dict[str, JobHandler]:
    async def run_files(job: Job, ctx: JobContext) -> None:
        outbox = ctx.outbox("slack")
        for data in job.payload["files"]:
            shared = file_from_dict(data)
            try:  # the token of the workspace the file was shared in
                client = await sender.client_for(shared.place.workspace_id)
            except SendError as error:
                if error.outcome == "refused":
                    return  # no longer installed there: nothing can be downloaded, nor answered
                raise RetryLater(error.code, error.retry_after) from None
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

    # the fake Web API serves response_urls too; on Slack (slack.com) only hooks.slack.com is ever posted to
    api = urlsplit(api_url)
    test_origin = None if api.netloc.endswith("slack.com") else f"{api.scheme}://{api.netloc}"

    async def run_command(job: Job, ctx: JobContext) -> None:
        outbox = ctx.outbox("slack")
        issued = datetime.fromisoformat(job.payload["issued_at"])
        outbox.fallback = ResponseUrl(
            job.payload["response_url"], issued, clock=ctx.worker.clock, allowed_origin=test_origin
        )
        await ctx.handle(event_from_dict(job.payload["event"]))

    return {FILES_JOB: run_files, COMMAND_JOB: run_command}
