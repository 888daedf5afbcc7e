"""Two app servers, as production scales out: each a gunicorn with 2 workers, started
from its own copy of the code (other file dates, same contents), sharing one Postgres
and one Redis. Whatever goes through one is seen through the other on the very next
request, and every form a page of one server holds is accepted by the other.
"""

import http.cookiejar
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from accounts.models import Profile, User
from events.models import RSVP, Comment, Event
from impulses.models import Wish
from scripts.prodserver import ROOT, collectstatic, free_port, gunicorn, production_env
from tests.conftest import make_user
from tests.events.recap_support import make_recap, past_event

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.servers]

COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "var", "tests", "node_modules", "__pycache__", "*.pyc"
)


def database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture(scope="module")
def code_copies(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two copies of the code, written at different times."""
    copies = []
    for name in ("server-a", "server-b"):
        target = tmp_path_factory.mktemp(name) / "somehub"
        shutil.copytree(ROOT, target, ignore=COPY_IGNORE, copy_function=shutil.copy)
        copies.append(target)
        time.sleep(1.1)
    a, b = copies
    settings_a, settings_b = a / "somehub/settings.py", b / "somehub/settings.py"
    assert settings_a.stat().st_mtime_ns != settings_b.stat().st_mtime_ns
    return copies


@pytest.fixture
def servers(code_copies: list[Path], tmp_path: Path) -> Iterator[list[str]]:
    env = production_env(
        DATABASE_URL=database_url(),
        CACHE_URL=settings.CACHES["default"]["LOCATION"],
        CACHE_KEY_PREFIX=settings.CACHES["default"]["KEY_PREFIX"],
        # Sessions made by the test are signed with its key, as by one more server.
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DJANGO_HTTPS="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        SITE_URL="http://127.0.0.1",
        EMAIL_URL="dummymail://",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        GUNICORN_WORKERS="2",
        GUNICORN_LOGLEVEL="warning",
        # Neither names its release: each hashes its own copy of the code.
        SOMEHUB_RELEASE="",
    )
    collectstatic(env)
    with ExitStack() as stack:
        urls = [
            stack.enter_context(
                gunicorn(
                    env, free_port(), tmp_path / f"{copy.parent.name}.log", cwd=copy
                )
            )
            for copy in code_copies
        ]
        yield urls


# A browser, enough of one: cookies, no redirects followed, forms read from pages.


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._open: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "form" and attributes.get("method", "").lower() == "post":
            self._open = Form(attributes.get("action", ""))
            self.forms.append(self._open)
        elif (
            tag == "input"
            and self._open is not None
            and "name" in attributes
            and attributes.get("type") == "hidden"
        ):
            self._open.fields[attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


class Browser:
    def __init__(self, session_key: str | None = None) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )
        self.session_key = session_key
        self.language = "de"

    def request(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)
        cookies = [f"django_language={self.language}"]
        if self.session_key:
            cookies.append(f"sessionid={self.session_key}")
        request.add_header("Cookie", "; ".join(cookies))
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def get(self, url: str) -> str:
        status, html = self.request(url)
        assert status == 200, (url, status, html[-500:])
        return html

    def forms(self, url: str, action: str) -> list[Form]:
        parser = _Forms()
        parser.feed(self.get(url))
        return [form for form in parser.forms if form.action.split("#")[0] == action]

    def submit(self, page_url: str, action: str, server: str, **data: str) -> int:
        """Post the form for `action` found on `page_url` to another `server`."""
        found = self.forms(page_url, action)
        assert found, f"no form for {action} on {page_url}"
        csrf = found[0].fields.get("csrfmiddlewaretoken", "")
        request_cookies = {c.name: c.value for c in self.cookies}
        # The CSRF cookie the first server set travels with the browser.
        status = self._post(
            server + action, {**found[0].fields, **data}, request_cookies
        )
        assert csrf, "the form has no CSRF token"
        return status

    def _post(self, url: str, data: dict[str, str], cookies: dict[str, str]) -> int:
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(url, data=body)
        jar = [f"{k}={v}" for k, v in cookies.items()]
        jar.append(f"django_language={self.language}")
        if self.session_key:
            jar.append(f"sessionid={self.session_key}")
        request.add_header("Cookie", "; ".join(jar))
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


def logged_in(user: User) -> Browser:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return Browser(session.session_key)


def test_writes_through_one_server_show_through_the_other(
    servers: list[str], make_event
) -> None:
    a, b = servers
    event = make_event(capacity=20, motto="Zwei Server")
    member = make_user("mia@example.org", name="Mia Muster")
    visitor = Browser()
    url = event.get_absolute_url()
    # Both servers read the same cached page (same release, same generation).
    assert "0 von 20 Plätzen belegt" in visitor.get(a + url)
    assert "0 von 20 Plätzen belegt" in visitor.get(b + url)

    mia = logged_in(member)
    assert mia.submit(a + url, f"/events/{event.slug}/rsvp/", b, answer="going") == 302
    assert "1 von 20 Plätzen belegt" in visitor.get(a + url)
    assert "1 von 20 Plätzen belegt" in visitor.get(b + url)
    for server in (a, b):
        assert "Du bist dabei" in mia.get(server + url)
        assert "1 von 20" in visitor.get(server + "/")
        # Her card on the date list, kept for members who answered the same.
        dates = mia.get(server + "/events/")
        assert "Du bist dabei" in dates and "1 von 20 Plätzen belegt" in dates

    assert (
        mia.submit(b + url, f"/events/{event.slug}/rsvp/", a, answer="not_going") == 302
    )
    assert "0 von 20 Plätzen belegt" in visitor.get(b + url)
    assert "Du bist dabei" not in mia.get(a + url)
    for server in (a, b):
        dates = mia.get(server + "/events/")
        assert "Du kannst nicht" in dates and "0 von 20 Plätzen belegt" in dates
    assert RSVP.objects.get(event=event, member=member).status == "not_going"


def test_every_form_of_one_server_is_accepted_by_the_other(
    servers: list[str], make_event, organizer
) -> None:
    a, b = servers
    member = make_user("mia@example.org", name="Mia Muster")
    other = make_user("olli@example.org", name="Olli Anders")
    event = make_event(capacity=20)
    recap = make_recap(past_event(make_event))
    theirs = recap.add_comment(other, "Ein Kommentar von Olli")
    wish = Wish.objects.create(author=other, title="Barrierefreie Reels")
    mia = logged_in(member)
    recap_url = recap.get_absolute_url()
    comments = f"/recaps/{recap.slug}/comments/"

    def check(page: str, action: str, **data: str) -> None:
        for here, there in ((a, b), (b, a)):
            status = mia.submit(here + page, action, there, **data)
            assert status == 302, (page, action, here, there, status)

    check(event.get_absolute_url(), f"/events/{event.slug}/rsvp/", answer="going")
    vote, unvote = (
        f"/impulse/wishes/{wish.pk}/vote/",
        f"/impulse/wishes/{wish.pk}/unvote/",
    )
    assert mia.submit(a + "/impulse/wishes/", vote, b) == 302
    assert wish.votes.filter(member=member).exists()
    assert mia.submit(b + "/impulse/wishes/", unvote, a) == 302
    assert not wish.votes.filter(member=member).exists()
    check(recap_url, comments, body="Toller Abend!")
    assert Comment.objects.filter(author=member, parent=None).count() == 2
    check(
        f"{recap_url}?reply={theirs.pk}",
        comments,
        body="Finde ich auch",
        parent=str(theirs.pk),
    )
    assert Comment.objects.filter(author=member, parent=theirs).count() == 2
    report = f"{comments}{theirs.pk}/report/"
    check(report, report, reason="Ist das Werbung?")
    mine = Comment.objects.filter(author=member).order_by("pk")
    first, second = mine[0], mine[1]
    for comment, (here, there) in ((first, (a, b)), (second, (b, a))):
        action = f"{comments}{comment.pk}/delete/"
        assert mia.submit(here + recap_url, action, there) == 302
        assert not Comment.objects.filter(pk=comment.pk).exists()

    # The Orga-Team's forms too: hiding a comment.
    olga = logged_in(organizer)
    hide = f"{comments}{theirs.pk}/hide/"
    assert olga.submit(a + recap_url, hide, b) == 302


def test_a_hidden_comment_and_a_deactivated_member_count_on_both_servers(
    servers: list[str], make_event, organizer
) -> None:
    a, b = servers
    member = make_user("mia@example.org", name="Mia Muster")
    Profile.objects.filter(user=member).update(visibility="public")
    recap = make_recap(past_event(make_event))
    rude = recap.add_comment(member, "Ein unfreundlicher Kommentar")
    visitor = Browser()
    url = recap.get_absolute_url()
    for server in (a, b):
        assert "unfreundlicher" in visitor.get(server + url)

    olga = logged_in(organizer)
    hide = f"/recaps/{recap.slug}/comments/{rude.pk}/hide/"
    assert olga.submit(a + url, hide, a) == 302
    for server in (b, a):
        assert "unfreundlicher" not in visitor.get(server + url)

    mia = logged_in(member)
    for server in (a, b):
        assert "Mein Konto" in mia.get(server + "/me/account/")
    # Deactivated by the Orga-Team's superuser (any process: here the test's own).
    User.objects.filter(pk=member.pk).update(is_active=False)
    for server in (b, a):
        status, _ = mia.request(server + "/me/account/")
        assert status == 302  # to the login page: logged out on the next request


def test_a_scheduled_change_ends_the_generation_on_both_servers(
    servers: list[str], make_event
) -> None:
    """RSVPs opening change the page without any write."""
    a, b = servers
    opens = timezone.now() + timedelta(seconds=10)
    event = make_event(rsvp_opens_at=opens)
    visitor = Browser()
    url = event.get_absolute_url()
    for server in (a, b):
        assert "Die Anmeldung öffnet am" in visitor.get(server + url)
    time.sleep(max(0.0, (opens - timezone.now()).total_seconds()) + 1.2)
    for server in (a, b):
        assert "Die Anmeldung öffnet am" not in visitor.get(server + url)
    assert Event.objects.filter(pk=event.pk).exists()


def test_clear_page_cache_on_one_server_clears_it_for_both(
    servers: list[str], make_event, code_copies: list[Path]
) -> None:
    import subprocess
    import sys

    a, b = servers
    event = make_event(title="Alter Titel")
    visitor = Browser()
    url = event.get_absolute_url()
    for server in (a, b):
        assert "Alter Titel" in visitor.get(server + url)
    # Changed by hand (as psql would): nobody watching.
    from django.core.cache import cache

    from core import pagecache

    generation = cache.get(pagecache.GENERATION_KEY)
    Event.objects.filter(pk=event.pk).update(title="Neuer Titel")
    cache.set(pagecache.GENERATION_KEY, generation, timeout=300)
    assert "Alter Titel" in visitor.get(b + url)
    env = production_env(
        DATABASE_URL=database_url(),
        CACHE_URL=settings.CACHES["default"]["LOCATION"],
        CACHE_KEY_PREFIX=settings.CACHES["default"]["KEY_PREFIX"],
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "clear_page_cache"],
        cwd=code_copies[0],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for server in (b, a):
        assert "Neuer Titel" in visitor.get(server + url)
