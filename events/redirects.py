"""Old addresses of the WordPress blog lead to the imported recaps.

Links to the old blog live on in search engines, social media posts and
newsletters: `/2016/09/28/kick-off/`, `/?p=123`, `/?page_id=7`. Once the blog's
domain points at this site, each of them answers with a permanent redirect to the
recap made from that post (events.models.imports.ImportedItem keeps the old
addresses). Only requests that would otherwise be a 404, and the home page with
`?p=` or `?page_id=`, cost the one query.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect

from events.models import ImportedItem

OLD_QUERY_KEYS = ("p", "page_id")


class OldBlogRedirectMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reading = request.method in ("GET", "HEAD")
        if (
            reading
            and request.path == "/"
            and any(k in request.GET for k in OLD_QUERY_KEYS)
        ):
            redirect = self._redirect(request)
            if redirect is not None:
                return redirect
        response = self.get_response(request)
        if reading and response.status_code == 404 and request.path != "/":
            return self._redirect(request) or response
        return response

    def _redirect(self, request: HttpRequest) -> HttpResponse | None:
        query = {key: request.GET.get(key, "") for key in OLD_QUERY_KEYS}
        recap = ImportedItem.objects.redirect_target(request.path, query)
        if recap is None:
            return None
        return HttpResponsePermanentRedirect(recap.get_absolute_url())
