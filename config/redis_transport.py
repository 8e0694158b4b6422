"""kombu's Redis transport, made to outlive a lost broker (celery/kombu 5.7.0, redis-py 8).

When Redis goes away while a task runs, celery 5.7.0's worker collects the lost
connection, which drops the transport's client but keeps the channel, and then closes
it; and the running task, once done, acknowledges its message on that same channel.
Both reach the channel's connection parameters through the dropped client and raise
AttributeError ('NoneType' object has no attribute 'hostname'), which is not a
connection error, so nothing catches it and the worker exits
(tests/deploy/test_worker_broker_loss.py). Here such a channel raises Redis'
ConnectionError instead: the close and the acknowledgement are then handled as the
lost connection they are (the message is delivered again after the visibility
timeout), and the worker reconnects.
"""

import redis
from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        if self.connection.client is None:
            raise redis.exceptions.ConnectionError("the connection to Redis was closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel


def register() -> None:
    """Make redis:// URLs use this transport, in the web process and the worker alike."""
    TRANSPORT_ALIASES["redis"] = f"{__name__}:Transport"
