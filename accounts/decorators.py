from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import member_of

View = Callable[..., HttpResponse]


def member_required(view: View) -> View:
    """Logged in and with a confirmed e-mail address, as every member action needs.

    Anonymous visitors go to the login page; an unconfirmed account gets a page
    (403) that explains how to confirm the address.
    """

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not member_of(request).has_verified_email:
            return render(request, "account/verified_email_required.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
