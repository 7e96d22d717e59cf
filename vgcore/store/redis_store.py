"""The Redis store: one Redis shared by several machines' app servers.

    vglab:result:<key>   a visitor's result, with a TTL (RESULT_TTL_S)
    vglab:pinned:<key>   `vgcore warm`'s result, no TTL
    vglab:room:<experiment key>:<seed>:<repeats>   a stored run, listed under its
                         experiment (`base.room_of`) for a room view; lives as its result
    vglab:lock:… vglab:progress:… vglab:trained:…

With `maxmemory-policy volatile-lru` Redis evicts only keys that have a TTL: visitors'
results go, warmed ones stay (README, *Scaling out*). Every value is signed with
VGLAB_STORE_KEY; without it the store refuses to start (anyone who reaches the Redis
could otherwise serve forged results). A Redis that hangs costs a request at most
SOCKET_TIMEOUT_S, then is skipped for RETRY_AFTER_S.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from . import base
from .base import Backoff, Store, TrainLock, log, note_of
from .codec import KEY_ENV, MissingKey, decoded, key_from_env, storable_bytes
from .keys import key_of

PREFIX = "vglab:"
RESULT_TTL_S = 14 * 24 * 3600   # a visitor's result may be evicted; two weeks at most
SOCKET_TIMEOUT_S = 1.5          # a healthy Redis answers in milliseconds
CONNECT_TIMEOUT_S = 1.0


class _RedisLock(TrainLock):
    def __init__(self, store: "RedisStore", name: str) -> None:
        self.store = store
        # thread_local=False: the heartbeat thread refreshes the lock its owner took
        self.lock = store.client.lock(name, timeout=base.LOCK_TTL_S, blocking=False,
                                      thread_local=False)

    def acquire(self) -> bool:       # Redis unusable: train anyway
        return bool(self.store._call("lock", lambda: self.lock.acquire(blocking=False),
                                     True))

    def refresh(self) -> bool:
        return bool(self.store._call("lock refresh", self.lock.reacquire, False))

    def release(self) -> None:
        import redis

        def free() -> None:
            try:
                self.lock.release()
            except redis.exceptions.LockError:
                pass        # lapsed: nothing to free
        self.store._call("unlock", free, None)


class RedisStore(Store):
    def __init__(self, url: str, secret: bytes | None = None) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
        self.secret = secret if secret is not None else key_from_env()
        if self.secret is None:
            raise MissingKey(f"{KEY_ENV} is not set: a Redis result store is shared over "
                             f"the network, and without a secret anyone who can write to "
                             f"that Redis could have every app server show forged "
                             f"results. Set {KEY_ENV} to the same random secret on every "
                             f"replica (README, Scaling out)")
        self.url = url
        # No retries: a failed call is skipped (Backoff), not repeated with the room waiting.
        self.client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_S,
                                           socket_timeout=SOCKET_TIMEOUT_S,
                                           retry=Retry(NoBackoff(), 0),
                                           health_check_interval=30)
        host = redis.connection.parse_url(url).get("host", "")
        self.where = f"redis: {host or url.split('@')[-1]}"
        self._failures = Backoff("Redis")
        self._check_policy()

    def _check_policy(self) -> None:
        """Warn when Redis may evict warmed results (needs CONFIG GET; an ACL user
        without it is not checked)."""
        import redis
        try:
            policy = self.client.config_get("maxmemory-policy").get("maxmemory-policy")
        except (redis.RedisError, OSError):
            return
        if isinstance(policy, bytes):
            policy = policy.decode(errors="replace")
        if str(policy).startswith("allkeys"):
            log.warning("vgcore.store: Redis maxmemory-policy is %s: warmed results may "
                        "be evicted by visitors' runs; use volatile-lru", policy)

    def _call(self, what: str, fn: Callable[[], Any], default: Any) -> Any:
        import redis
        if self._failures.paused():
            return default
        try:
            return fn()
        except (redis.RedisError, OSError) as err:
            self._failures.failed(what, err)
            return default

    def _name(self, kind: str, config: Any) -> str:
        return f"{PREFIX}{kind}:{key_of(config)}"

    def get(self, config: Any) -> Any | None:
        from ..runs import result_type
        key = key_of(config)
        names = [f"{PREFIX}pinned:{key}", f"{PREFIX}result:{key}"]

        def lengths() -> list:
            pipe = self.client.pipeline(transaction=False)
            for name in names:
                pipe.strlen(name)
            # an entry of another type (WRONGTYPE) is one bad entry, not a Redis failure
            return pipe.execute(raise_on_error=False)
        for name, size in zip(names, self._call("STRLEN", lengths, [0, 0])):
            if not size:
                continue
            drop = (lambda name=name: self._call("DEL", lambda: self.client.delete(name),
                                                  None))
            if not isinstance(size, int) or size > base.MAX_RESULT_BYTES:
                log.warning("vgcore.store: entry %s (%s) ignored and deleted", name[:30],
                            f"{size} bytes" if isinstance(size, int) else size)
                drop()
                continue
            value = decoded(self._call("GET", lambda name=name: self.client.get(name),
                                       None), config, result_type(config), self.secret,
                            key, name[:30], drop)
            if value is not None:
                return value
        return None

    def put(self, config: Any, value: Any, *, pinned: bool = False) -> None:
        if self._failures.paused():
            return                          # Redis is down: don't even encode
        key = key_of(config)
        blob = storable_bytes(value, self.secret, key)
        if blob is None:
            return
        room = base.room_of(config)
        # one key per stored run under its experiment, living as long as the run:
        # listed by SCAN (the README's ACL user may GET, SET and SCAN, not SADD)
        listed = (f"{PREFIX}room:{key_of(room)}:{config.seed}:{config.n_seeds}"
                  if room is not None else None)
        if pinned:
            def write() -> None:
                self.client.set(f"{PREFIX}pinned:{key}", blob)
                self.client.delete(f"{PREFIX}result:{key}")
                if listed:
                    self.client.set(listed, "1")
        else:
            def write() -> None:
                self.client.set(f"{PREFIX}result:{key}", blob, ex=RESULT_TTL_S)
                if listed:
                    self.client.set(listed, "1", ex=RESULT_TTL_S)
        self._call("SET", write, None)

    def runs_of_room(self, config: Any) -> list[tuple[int, int]]:
        room = base.room_of(config)
        if room is None:
            return []
        head = f"{PREFIX}room:{key_of(room)}:"

        def scan() -> list[tuple[int, int]]:
            runs = []
            for name in self._keys(f"room:{key_of(room)}:*"):
                name = name.decode() if isinstance(name, bytes) else str(name)
                parts = name[len(head):].split(":")
                if len(parts) == 2 and all(p.isdigit() and len(p) < 10 for p in parts):
                    runs.append([int(parts[0]), int(parts[1])])
                if len(runs) >= 4 * base.MAX_ROOM_RUNS:   # a bounded walk
                    break
            return base.seed_runs(sorted(runs))
        return self._call("SCAN", scan, [])

    def pinned(self, config: Any) -> bool:
        return bool(self._call("EXISTS", lambda: self.client.exists(
            self._name("pinned", config)), 0))

    def lock(self, config: Any) -> TrainLock:
        return _RedisLock(self, self._name("lock", config))

    def set_progress(self, config: Any, note: dict) -> None:
        name = self._name("progress", config)
        self._call("SET", lambda: self.client.set(name, json.dumps(note),
                                                  px=int(base.PROGRESS_TTL_S * 1000)), None)

    def progress(self, config: Any) -> dict | None:
        return note_of(self._call("GET", lambda: self.client.get(
            self._name("progress", config)), None))

    def count_training(self, config: Any) -> int:
        return int(self._call("INCR", lambda: self.client.incr(
            self._name("trained", config)), 0))

    def trainings(self, config: Any) -> int:
        count = self._call("GET", lambda: self.client.get(self._name("trained", config)),
                           None)
        try:
            return int(count or 0)
        except ValueError:
            return 0

    def _keys(self, pattern: str) -> list[bytes]:
        return list(self.client.scan_iter(match=f"{PREFIX}{pattern}", count=500))

    def clear(self) -> None:
        def drop() -> None:
            for kind in ("result:*", "pinned:*", "trained:*", "progress:*", "room:*"):
                names = self._keys(kind)
                for i in range(0, len(names), 500):
                    self.client.delete(*names[i:i + 500])
        self._call("clear", drop, None)

    def __len__(self) -> int:
        return len(self._call("SCAN", lambda: self._keys("result:*") + self._keys(
            "pinned:*"), []))
