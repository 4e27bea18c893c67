"""Transactional outbox, delivery channels (console, e-mail, webhook) and subscriptions."""
