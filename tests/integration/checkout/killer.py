"""An extra worker module (EXTRA_WORKER_MODULES) for the kill test: the first message of
the step named by CHECKOUT_KILL_AT that this run's worker processes takes it down with
SIGKILL before it runs, as a crash would (nothing acknowledged, nothing cleaned up)."""

from __future__ import annotations

import os
import signal
from typing import Any

import dramatiq
import redis

from app.platform.broker import Routes
from app.platform.settings import Settings


class KillAt(dramatiq.Middleware):
    def __init__(self, actor: str, flag: str, url: str) -> None:
        self.actor, self.flag, self.url = actor, flag, url

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        if message.actor_name != self.actor:
            return
        with redis.Redis.from_url(self.url) as r:
            if r.set(self.flag, str(os.getpid()), nx=True, ex=600):
                os.kill(os.getpid(), signal.SIGKILL)


def register(broker: dramatiq.Broker, routes: Routes, settings: Settings) -> None:
    step = os.environ.get("CHECKOUT_KILL_AT")
    if step and settings.redis_url:
        flag = f"{settings.queue_prefix}checkout-kill:{os.environ['CHECKOUT_KILL_FLAG']}"
        broker.add_middleware(KillAt(f"checkout.{step}", flag, settings.redis_url))
