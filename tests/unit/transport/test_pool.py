"""The command's connection pool: one connection per host, opened on first use, reused, given up after a
transport failure, all closed at the end."""

import threading
import time

import pytest

from fleetctl.transport import ConnectionPool, Result, Transport, TransportError


class CountingTransport(Transport):
    def __init__(self, name: str) -> None:
        super().__init__(name, become=False)
        self.closed = False

    def _execute(self, command, stdin, timeout):
        return Result(0, "", "")

    def close(self) -> None:
        self.closed = True


class Opener:
    """Opens CountingTransports, slowly enough that concurrent requests overlap."""

    def __init__(self, delay: float = 0.0):
        self.made: list[CountingTransport] = []
        self.delay = delay

    def __call__(self, name: str) -> CountingTransport:
        time.sleep(self.delay)
        transport = CountingTransport(name)
        self.made.append(transport)
        return transport


def test_every_block_for_a_host_gets_the_same_open_connection():
    opener = Opener()
    with ConnectionPool(opener) as pool:
        with pool("web-1") as first:
            first.run(["true"])
        with pool("web-1") as second, pool("web-2") as other:
            assert second is first and other is not first
        assert not first.closed  # leaving a block keeps it open
        assert pool.opened == {"web-1": 1, "web-2": 1}
    assert all(transport.closed for transport in opener.made)  # the command's end closes them all


def test_hosts_asked_for_at_once_from_many_threads_get_one_connection_each():
    opener = Opener(delay=0.05)
    pool = ConnectionPool(opener)
    got: list[Transport] = []
    threads = [threading.Thread(target=lambda: got.append(pool("web-1").transport)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(opener.made) == 1 and all(transport is opener.made[0] for transport in got)
    pool.close()


def test_a_transport_failure_gives_the_connection_up_and_the_next_block_connects_again():
    opener = Opener()
    with ConnectionPool(opener) as pool:
        with pytest.raises(TransportError):
            with pool("web-1"):
                raise TransportError("web-1: connection lost while running a command")
        assert opener.made[0].closed
        with pool("web-1") as again:
            assert again is opener.made[1] and not again.closed
        assert pool.opened == {"web-1": 2}


def test_other_failures_keep_the_connection():
    with ConnectionPool(Opener()) as pool:
        with pytest.raises(ValueError):
            with pool("web-1"):
                raise ValueError("a step failed")
        with pool("web-1"):
            pass
        assert pool.opened == {"web-1": 1}


def test_a_failure_to_connect_is_raised_when_the_connection_is_asked_for():
    def refuse(name: str) -> Transport:
        raise TransportError(f"{name}: connection refused at 10.0.0.1:22")

    with ConnectionPool(refuse) as pool, pytest.raises(TransportError, match="connection refused"):
        pool("web-1")


def test_after_close_no_connection_is_opened_or_kept():
    opener = Opener()
    pool = ConnectionPool(opener)
    pool.close()
    pool.close()  # twice is fine
    with pytest.raises(TransportError, match="connections are closed"):
        pool("web-1")
    assert opener.made == []


def test_no_more_than_the_limit_of_connections_are_opened_at_once():
    opening, most = 0, 0
    lock = threading.Lock()

    def slow_open(name: str) -> Transport:
        nonlocal opening, most
        with lock:
            opening += 1
            most = max(most, opening)
        time.sleep(0.02)
        with lock:
            opening -= 1
        return CountingTransport(name)

    pool = ConnectionPool(slow_open, connecting_at_once=3)
    threads = [threading.Thread(target=pool, args=(f"web-{number}",)) for number in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 3 and pool.opened == {f"web-{number}": 1 for number in range(12)}
    pool.close()
