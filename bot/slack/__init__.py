"""The Slack adapter (the only package that imports slack_bolt / slack_sdk). Importing it keeps credentials out of
the SDK's logs (bot.slack.redact)."""

from bot.slack import redact as _redact

_redact.install()
