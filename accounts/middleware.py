"""A member who used up a limit gets the 429 page that says which one, never a 500."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.limits import RateLimited


class RateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if not isinstance(exception, RateLimited):
            return None
        response = render(
            request, "429.html", {"message": exception.message}, status=429
        )
        response["Retry-After"] = str(exception.retry_after)
        return response
