"""Workshop survey benchmark: a workshop of 200 participants, over real HTTP against the app's aiohttp server.

Owns the measurement behind the workshops issue: with the fake Web API answering every Slack call,
- the invitations: the Send job posting the channel card and 200 invitation DMs (conversations.open + postMessage);
- the survey: the survey job at end + 1 h sending 200 questionnaire DMs and queueing their reminders;
- 200 answers submitted concurrently as signed view_submission requests over HTTP: time until all are acknowledged,
  then until the worker has saved all 200;
- the results card: summary, the number question through the engine, the ratings chart, posted to the channel;
- the peak memory of the process (VmHWM: server, worker, fake and load generator together).
The reference, measured in the same run on the same server (the machine is shared, so absolute times drift): 200
plain signed `/scenario help` commands posted concurrently, time until all are acknowledged. The server, its worker
(driven with `run_once(now)` on a pinned clock, as the tests do) and the fake run in this one process.

    .venv/bin/python benchmarks/survey_bench.py [--people 200]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes import slack_payloads as sp  # noqa: E402
from tests.fakes.platform_server import FakePlatform  # noqa: E402

TOKEN = "xoxb-bench-0000"
PLANNED = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
START = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _burst(session: aiohttp.ClientSession, url: str, bodies: list[tuple[str, str]]) -> tuple[float, int]:
    """Post every body at once, signed as Slack signs; (seconds until the last acknowledgement, non-200 count)."""

    async def one(built: tuple[str, str]) -> int:
        body, content_type = built
        headers = {"Content-Type": content_type, **sp.sign(body)}
        async with session.post(url, data=body.encode(), headers=headers) as response:
            await response.read()
            return response.status

    started = time.perf_counter()
    statuses = await asyncio.gather(*(one(b) for b in bodies))
    return time.perf_counter() - started, sum(s != 200 for s in statuses)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    args = parser.parse_args()
    from bot.app import build_services, create_web_app
    from bot.config import Settings, SlackSettings, TeamsSettings
    from bot.core.baselines.feature import sample_baseline
    from bot.core.workshops.survey import default_questions
    from storage.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='survey-bench-')}/bench.db"
    upgrade(url)
    fake = await FakePlatform.start()
    people = [f"U_P{i:04d}" for i in range(args.people)]
    for person in people:
        fake.add_user(person, real_name=person, tz="Europe/Berlin")
    settings = Settings(
        database_url=url,
        slack=SlackSettings(bot_token=TOKEN, signing_secret=sp.SECRET, api_url=fake.slack_api_url),
        teams=TeamsSettings(enabled=False),
    )
    services = build_services(settings, coalesce_seconds=0.05)
    runner = web.AppRunner(create_web_app(services, run_worker=False), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    endpoint = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    worker, storage = services.worker, services.storage
    rows: list[tuple[str, str]] = []
    try:
        await worker.run_once(PLANNED)
        ws = await storage.workspaces.ensure("slack", sp.TEAM)
        await storage.baselines.save(ws.id, sp.CHANNEL, sample_baseline(), created_by="bench")
        plan = {"title": "Q1 plan", "goal": "Fill the pipeline", "timezone": "Europe/Berlin", "start_at": START,
                "end_at": START + timedelta(hours=2), "survey_delay_minutes": 60, "survey_days": 3}  # fmt: skip
        w = await storage.workshops.save_draft(
            ws.id, platform="slack", channel_id=sp.CHANNEL, organiser_id=sp.USER, plan=plan, agenda=[],
            questions=default_questions(plan["goal"]), participants=people, form={}, now=PLANNED,
        )  # fmt: skip
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            # the reference: plain signed slash commands, acknowledged (each records its delivery and job)
            # (each to a channel of its own: Slack rate-limits posts per channel, and the answers are posted too)
            for i in range(len(people)):
                fake.join(f"C_REF_{i:04d}")

            def commands() -> list[tuple[str, str]]:
                return [sp.slash_command("help", channel=f"C_REF_{i:04d}") for i in range(len(people))]

            await _burst(session, endpoint, commands()[:20])  # warm-up: connections, Bolt's auth.test, imports
            reference, _ = await _burst(session, endpoint, commands())
            rows.append((f"reference: {len(people)} signed /scenario help acknowledged", f"{reference:.2f} s"))
            await worker.run_once(PLANNED)  # answer them, so their jobs do not count below

            started = time.perf_counter()
            await _burst(session, endpoint, [sp.block_actions("card.workshop.send", {"w": w}, message_ts="1.0")])
            await worker.run_once(PLANNED)
            invited = sum(
                1 for p in people if any(m["text"].startswith("Invitation") for m in fake.posted(fake.dms[p]))
            )
            rows.append((f"Send: card + {invited} invitation DMs", f"{time.perf_counter() - started:.2f} s"))

            survey_at = START + timedelta(hours=3)
            started = time.perf_counter()
            await worker.run_once(survey_at)
            surveyed = sum(1 for p in people if any(m["text"].startswith("Survey") for m in fake.posted(fake.dms[p])))
            rows.append((f"survey job: {surveyed} questionnaire DMs", f"{time.perf_counter() - started:.2f} s"))

            answers = [
                sp.view_submission(
                    "workshop_answer",
                    {
                        "q0": sp.select(str(1 + i % 5)),
                        "q1": sp.select("1"),
                        "q2": f"point {i}",
                        "q3": "",
                        "q4": "",
                        "q5": sp.number(str(5 + i % 7)),
                    },
                    {"w": w},
                    user=p,
                    channel=fake.dms[p],
                )  # fmt: skip
                for i, p in enumerate(people)
            ]
            acked, failed = await _burst(session, endpoint, answers)
            rows.append(
                (f"{len(answers)} answers posted concurrently, acknowledged ({failed} not 200)", f"{acked:.2f} s")
            )
            started = time.perf_counter()
            await worker.run_once(survey_at)
            saved = len(await storage.workshops.answers(ws.id, w))
            rows.append(
                (f"worker: {saved} answers saved and confirmed by DM", f"{time.perf_counter() - started:.2f} s")
            )

            started = time.perf_counter()
            await worker.run_once(survey_at + timedelta(days=3))
            posted = [m for m in fake.posted(sp.CHANNEL) if "Final results" in (m.get("text") or "")]
            rows.append(
                (
                    f"close: results card ({len(posted)} posted, chart + engine)",
                    f"{time.perf_counter() - started:.2f} s",
                )
            )
            rows.append(("peak resident memory of the process (VmHWM)", f"{_peak_mb():.0f} MB"))
            again, _ = await _burst(session, endpoint, commands())  # the reference once more, after the load
            rows.append((f"reference again, after the survey: {len(people)} /scenario help", f"{again:.2f} s"))
            rows.append(("answers acknowledged / mean reference", f"{acked / ((reference + again) / 2):.2f}x"))
    finally:
        await runner.cleanup()
        await services.assistant.close()
        await storage.dispose()
        await fake.close()
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
