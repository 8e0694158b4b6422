"""The cache is an optimisation, never a dependency: with Redis down, a read is a miss and a write is
skipped (logged), so pages answer from the database instead of failing."""

import logging
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


def _or(fallback):
    def decorate(method):
        @wraps(method)
        def forgiving(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as error:
                logger.warning("cache %s skipped (Redis unavailable: %s)", method.__name__, error)
                return fallback(*args, **kwargs) if callable(fallback) else fallback

        return forgiving

    return decorate


class OptionalRedisCache(RedisCache):
    """Django's Redis cache, treating an unreachable Redis as an empty cache that keeps nothing."""

    add = _or(False)(RedisCache.add)
    get = _or(lambda key, default=None, version=None: default)(RedisCache.get)
    set = _or(False)(RedisCache.set)
    touch = _or(False)(RedisCache.touch)
    delete = _or(False)(RedisCache.delete)
    get_many = _or(lambda keys, version=None: {})(RedisCache.get_many)
    has_key = _or(False)(RedisCache.has_key)
    set_many = _or(lambda data, *args, **kwargs: list(data))(RedisCache.set_many)
    delete_many = _or(None)(RedisCache.delete_many)
    clear = _or(False)(RedisCache.clear)
