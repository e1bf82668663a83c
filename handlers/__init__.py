"""Telegram handlers: they format the answer engine's results for chats and inline queries."""
