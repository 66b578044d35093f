"""The Microsoft Teams adapter: the only package that imports botbuilder / botframework.

routes (POST /api/messages, GET /charts/{token}.png) -> adapter (CloudAdapter) -> handler (activities) ->
translate (neutral events) -> bot.core Assistant -> outbox (Adaptive Cards via render). manifest builds the
Teams app package for `python -m bot teams-manifest`.
"""
