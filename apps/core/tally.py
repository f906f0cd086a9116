"""Shared counters that cost one cache round trip to bump and are drained in batches (usage figures).

On Redis every bump is one HINCRBY on a pending hash. A drain renames the pending hash to a new batch key
and lists it in a set, in one Lua script: Redis runs the script atomically, so a bump lands either in the
renamed batch or in a fresh pending hash, never in between. A batch is deleted only when its consumer
says it is stored (`done`); a consumer that dies half-way leaves it for the next drain, and two drains
running at once may both see it. Consumers therefore store a batch idempotently, keyed by its id.

Without Redis (the embedded default: local-memory cache, one process), pending counts live in a dict in
this process under a lock: the local-memory cache is per process as well, but it evicts entries when it
is full, which would lose counts.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

_DRAIN = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('SADD', KEYS[3], KEYS[2])
return 1
"""

_local_lock = threading.Lock()
_local_pending: dict[str, dict[str, int]] = {}
_local_batches: dict[str, dict[str, dict[str, int]]] = {}


@dataclass(frozen=True)
class Batch:
    id: str
    counts: dict[str, int]


class Tally:
    """Named counters: `add(field)` on the hot path, `batches()` and `done(id)` in a periodic task."""

    def __init__(self, name: str, *, alias: str = "default") -> None:
        self.name = name
        self.alias = alias

    def _redis(self):
        backend = caches[self.alias]
        if not isinstance(backend, RedisCache):
            return None, None
        # Django's cache API has no hash or rename; its own client (one per pool) does.
        return backend, backend._cache.get_client(write=True)

    def _key(self, backend, suffix: str) -> str:
        return backend.make_key(f"tally:{self.name}:{suffix}")

    def add(self, field: str, amount: int = 1) -> None:
        """Add to one counter. Never fails the caller: a lost count is better than a failed page."""
        backend, client = self._redis()
        if client is None:
            with _local_lock:
                pending = _local_pending.setdefault(self.name, {})
                pending[field] = pending.get(field, 0) + amount
            return
        try:
            client.hincrby(self._key(backend, "pending"), field, amount)
        except Exception:  # redis-py's errors, e.g. Redis restarting: the page is served all the same
            logger.warning("tally %s: a count was lost (Redis unavailable)", self.name, exc_info=True)

    def batches(self) -> list[Batch]:
        """Move the pending counts into a new batch; return every batch not yet marked done."""
        backend, client = self._redis()
        if client is None:
            with _local_lock:
                pending = _local_pending.pop(self.name, None)
                stored = _local_batches.setdefault(self.name, {})
                if pending:
                    stored[uuid.uuid4().hex] = pending
                return [Batch(id=k, counts=dict(v)) for k, v in stored.items()]
        batch_prefix = self._key(backend, "batch:")
        index = self._key(backend, "batches")
        client.eval(_DRAIN, 3, self._key(backend, "pending"), batch_prefix + uuid.uuid4().hex, index)
        found = []
        for raw_key in sorted(client.smembers(index)):
            key = raw_key.decode()
            counts = {f.decode(): int(v) for f, v in client.hgetall(key).items()}
            if counts:
                found.append(Batch(id=key.removeprefix(batch_prefix), counts=counts))
            else:  # stored and deleted by a drain running beside this one
                client.srem(index, key)
        return found

    def done(self, batch_id: str) -> None:
        """The batch is stored: forget it."""
        backend, client = self._redis()
        if client is None:
            with _local_lock:
                _local_batches.get(self.name, {}).pop(batch_id, None)
            return
        key = self._key(backend, "batch:") + batch_id
        client.pipeline().delete(key).srem(self._key(backend, "batches"), key).execute()


def tally_local_clear() -> None:
    """Forget the in-process counts (tests start from nothing, as they do with the cache)."""
    with _local_lock:
        _local_pending.clear()
        _local_batches.clear()
