"""The social feature: reactions are likes, thread replies are comments, and the card's footer keeps count.

Owns the handlers (`social.feature`) and re-rendering a card's footer (`social.footers`).
"""

from __future__ import annotations
