"""Bevakning: e-mail alerts without an account (double opt-in, digests, one-click unsubscribe).

``targets`` says what an alert follows and which cases match it, ``service`` signs up,
confirms and unsubscribes, ``digest`` queues the daily and weekly mails. Sending is
:mod:`kb.services.outbox` (``kb mail send``).
"""
