"""Slack CSV import end to end over real HTTP, on SQLite and PostgreSQL: a signed message with a CSV (an
@mention in a channel, or a DM) makes the bot download the file from the fake Web API with the bot token in the
Authorization header (never in the URL), post the preview card, and a signed `import.accept` press stores the
new baseline version and posts the confirmation. Non-CSV and too-big files are answered without downloading."""

from __future__ import annotations

import json

from bot.core.imports.csv.sample import salesforce_export
from tests.e2e.slack_helpers import BOT_TOKEN, settle
from tests.fakes import slack_payloads as sp

WAIT = 20.0
EXPORT = salesforce_export(300)


async def _settle(env) -> None:
    await settle(env.services)


def _posts(env) -> list:
    return env.fake.calls("POST", "/api/chat.postMessage")


async def _post_and_wait(env, built) -> object:
    before = len(_posts(env))
    assert (await env.slack.post(built)).status == 200
    posts = await env.fake.wait_for("POST", "/api/chat.postMessage", before + 1, timeout=WAIT)
    await _settle(env)
    return posts[before]


def _mention_with_files(files: list[dict], text: str = "here is our pipeline") -> tuple[str, str]:
    event = sp._message(f"<@U_BOT> {text}", sp.USER, sp.CHANNEL, None, "channel", files=files, upload=False)
    event["type"] = "app_mention"
    event.pop("channel_type")
    return sp.event_callback(event)


def _dm_with_files(files: list[dict]) -> tuple[str, str]:
    event = sp._message("", sp.USER, sp.DM_CHANNEL, None, "im", files=files, subtype="file_share", upload=True)
    return sp.event_callback(event)


def _button(post, action_id: str) -> dict:
    for block in post.json["blocks"]:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return json.loads(element["value"])
    raise AssertionError(f"no {action_id} button in {post.json['blocks']}")


async def _latest(env, channel: str):
    storage = env.services.storage
    ws = await storage.workspaces.ensure("slack", sp.TEAM)
    return await storage.baselines.latest(ws.id, channel)


async def test_a_csv_with_a_mention_is_previewed_and_accepted(slack_env):
    env = slack_env
    await _post_and_wait(env, sp.slash_command("baseline sample"))
    file = env.fake.add_file("pipeline.csv", EXPORT)
    preview = await _post_and_wait(env, _mention_with_files([file]))

    [got] = env.fake.calls("GET", f"/files-pri/{sp.TEAM}-{file['id']}/download/pipeline.csv")
    assert got.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert all(BOT_TOKEN not in r.path and BOT_TOKEN not in json.dumps(r.body) for r in env.fake.requests)
    assert "Import preview: pipeline.csv" in preview.json["text"] and "300 rows read" in preview.json["text"]
    assert preview.json["thread_ts"]  # answered in the mention's thread
    assert (await _latest(env, sp.CHANNEL)).version == 1  # nothing stored before the press

    value = _button(preview, "import.accept")
    ts = preview.reply["ts"]
    confirmation = await _post_and_wait(env, sp.block_actions("import.accept", value, message_ts=ts))
    latest = await _latest(env, sp.CHANNEL)
    assert latest.version == 2 and latest.created_by == sp.USER
    assert confirmation.json["text"].startswith("Baseline v2 saved from pipeline.csv")
    [update] = env.fake.calls("POST", "/api/chat.update")
    assert update.json["ts"] == ts and "Used as baseline v2" in update.json["text"]

    # a second press is refused privately and stores nothing
    assert (await env.slack.post(sp.block_actions("import.accept", value, message_ts=ts))).status == 200
    [notice] = await env.fake.wait_for("POST", "/api/chat.postEphemeral", 1, timeout=WAIT)
    await _settle(env)
    assert "already the channel's baseline v2" in notice.json["text"]
    assert (await _latest(env, sp.CHANNEL)).version == 2


async def test_a_csv_in_a_dm_with_only_its_id_is_looked_up_with_files_info(slack_env):
    env = slack_env
    file = env.fake.add_file("deals.csv", EXPORT)
    preview = await _post_and_wait(env, _dm_with_files([{"id": file["id"], "file_access": "check_file_info"}]))
    assert env.fake.calls("POST", "/api/files.info") or env.fake.calls("GET", "/api/files.info")
    assert preview.json["channel"] == sp.DM_CHANNEL
    assert "Import preview: deals.csv" in preview.json["text"]
    assert "no baseline yet" in preview.json["text"]


async def test_non_csv_and_too_big_files_are_answered_without_downloading(slack_env):
    env = slack_env
    pdf = env.fake.add_file("board-deck.pdf", b"%PDF-1.7", mimetype="application/pdf")
    answer = await _post_and_wait(env, _mention_with_files([pdf]))
    assert "board-deck.pdf is not a CSV file" in answer.json["text"]
    huge = env.fake.add_file("everything.csv", b"Id,Amount\n", size=80_000_000)
    answer = await _post_and_wait(env, _mention_with_files([huge]))
    assert "76.3 MB" in answer.json["text"] and "up to 50 MB" in answer.json["text"]
    assert not [r for r in env.fake.requests if r.path.startswith("/files-pri/")]
    storage = env.services.storage
    ws = await storage.workspaces.ensure("slack", sp.TEAM)
    assert await storage.imports.get(ws.id, 1) is None


async def test_a_broken_csv_gets_the_report_and_nothing_pending(slack_env):
    env = slack_env
    bad = env.fake.add_file("broken.csv", b"Opportunity Name,Stage,Close Date\nAcme,Prospecting,12/1/2026\n")
    answer = await _post_and_wait(env, _mention_with_files([bad]))
    assert "Could not import broken.csv" in answer.json["text"] and "Amount" in answer.json["text"]
    assert "import.accept" not in json.dumps(answer.json["blocks"])


def test_only_files_given_to_the_bot_are_taken():
    from bot.slack.translate import file_events

    file = {"id": "F1", "name": "a.csv"}
    mention = json.loads(_mention_with_files([file])[0])
    [shared] = file_events(mention, sp.TEAM, "U_BOT")
    assert shared.place.channel_id == sp.CHANNEL and shared.place.thread_id == mention["event"]["ts"]
    channel_post = sp._message("", sp.USER, sp.CHANNEL, None, "channel", files=[file], subtype="file_share")
    assert file_events(json.loads(sp.event_callback(channel_post)[0]), sp.TEAM, "U_BOT") == []
    bot_dm = json.loads(_dm_with_files([file])[0])
    bot_dm["event"]["user"] = "U_BOT"
    assert file_events(bot_dm, sp.TEAM, "U_BOT") == []
    assert file_events(json.loads(sp.dm_message("hello")[0]), sp.TEAM, "U_BOT") == []


def test_the_token_goes_only_to_slack_file_hosts():
    from bot.slack.files import trusted_file_url

    api = "http://127.0.0.1:4321/api/"
    assert trusted_file_url("https://files.slack.com/files-pri/T1-F1/download/a.csv", "https://slack.com/api/")
    assert trusted_file_url("http://127.0.0.1:4321/files-pri/T1-F1/download/a.csv", api)
    assert not trusted_file_url("http://files.slack.com/files-pri/a.csv", "https://slack.com/api/")  # not HTTPS
    assert not trusted_file_url("https://files.slack.com.evil.example/a.csv", "https://slack.com/api/")
    assert not trusted_file_url("http://127.0.0.1:9999/a.csv", api)


async def test_a_driver_switch_updates_the_preview_in_place_and_accept_stores_it(slack_env):
    env = slack_env
    await _post_and_wait(env, sp.slash_command("baseline sample"))
    file = env.fake.add_file("pipeline.csv", EXPORT)
    preview = await _post_and_wait(env, _mention_with_files([file]))
    ids = [e["action_id"] for b in preview.json["blocks"] for e in b.get("elements") or [] if "action_id" in e]
    assert len(ids) == len(set(ids)) and "import.driver.win_rate" in ids  # Slack refuses repeated action ids
    ts = preview.reply["ts"]

    press = sp.block_actions("import.driver.win_rate", _button(preview, "import.driver.win_rate"), message_ts=ts)
    assert (await env.slack.post(press)).status == 200
    [update] = await env.fake.wait_for("POST", "/api/chat.update", 1, timeout=WAIT)
    await _settle(env)
    assert update.json["ts"] == ts and "keeps the current 25% (your choice)" in update.json["text"]
    assert (await _latest(env, sp.CHANNEL)).version == 1

    accept = _button(update, "import.accept")
    assert accept["rev"] == 1
    confirmation = await _post_and_wait(env, sp.block_actions("import.accept", accept, message_ts=ts))
    assert confirmation.json["text"].startswith("Baseline v2 saved from pipeline.csv")
    assert (await _latest(env, sp.CHANNEL)).data["win_rate"] == 0.25
