"""The sandbox: an offline Telegram Bot API server with a client API and a web chat page."""
