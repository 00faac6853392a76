"""Notifications to people (e-mail, Telegram, webhooks through apprise) for office events."""
