"""Login lock-out (django-axes) for the admin's login form."""

from axes.backends import AxesStandaloneBackend


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' check, for every login made through a request (the admin login form
    always passes one): a locked (username, client address) pair is refused before any
    password is checked.

    A login without a request (a script, a management command, the test client's
    ``login()``) has no client address to lock; it goes on to ModelBackend unchecked
    instead of failing, as axes' own backend would, with "requires a request"."""

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
