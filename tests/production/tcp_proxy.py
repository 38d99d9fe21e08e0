"""A small TCP proxy of the tests' own, on 127.0.0.1, for cutting a service without
touching it: the machine's shared PostgreSQL and Redis are never stopped.

    proxy = TcpProxy(5432).start()      # forwards 127.0.0.1:<proxy.port> -> 127.0.0.1:5432
    proxy.cut()                         # listener closed, every connection reset: refused
    proxy.black_hole()                  # connections accepted, never answered: a hang
    proxy.restore()                     # forwarding again, on the same port
    proxy.close()
"""

import socket
import threading

LOOPBACK = "127.0.0.1"


class TcpProxy:
    def __init__(self, target_port, target_host=LOOPBACK):
        self.target = (target_host, target_port)
        self.port = None
        self.mode = "down"
        self._listener = None
        self._accepter = None
        self._sockets = set()
        self._lock = threading.Lock()
        self.connections = 0

    # ---- control ----

    def start(self, mode="forward"):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, self.port or 0))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self.mode = mode
        self._accepter = threading.Thread(target=self._accept_loop, args=(listener,), daemon=True)
        self._accepter.start()
        return self

    def cut(self):
        """Stop listening and reset every open connection: the service is gone."""
        self.mode = "down"
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
            # The port is free again only once the accept() in progress has returned.
            self._accepter.join(timeout=5)
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def black_hole(self):
        """Accept connections but never answer: the service hangs."""
        self.cut()
        self.start(mode="black hole")

    def restore(self):
        self.cut()
        self.start(mode="forward")

    close = cut

    # ---- plumbing ----

    def _track(self, sock):
        with self._lock:
            self._sockets.add(sock)

    def _accept_loop(self, listener):
        listener.settimeout(0.1)  # so a closed listener ends this loop promptly
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:  # the listener was closed by cut()
                return
            client.settimeout(None)
            self.connections += 1
            self._track(client)
            if self.mode != "forward":
                continue  # black hole: hold the connection, read nothing, answer nothing
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            self._track(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source, sink):
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        _close(source)
        _close(sink)


def _close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
