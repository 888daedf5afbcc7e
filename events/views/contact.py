"""A visitor's message to the Orga-Team: a form linked from every page's footer.

The page is the same for every visitor and cached whole, so the form carries no
CSRF token: the view only takes posts from this site (`same_origin_only`), as the
site's other anonymous forms. A honeypot field catches simple bots, and a limit per
IP and per address keeps anyone from filling the organizers' inboxes. The mail
itself goes out from the task worker, queued with the request's transaction.
"""

from allauth.core import ratelimit
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_safe

from core.pagecache import cache_for_visitors
from events.forms import ContactForm
from somehub.lib.csrf import same_origin_only
from somehub.lib.outbox import enqueue_with_transaction


@require_http_methods(["GET", "HEAD", "POST"])
@same_origin_only
@cache_for_visitors()
def contact(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "events/contact_form.html", {"form": ContactForm()})
    form = ContactForm(request.POST)
    if form.is_spam:
        # Said nothing to the bot, sent nothing.
        return redirect("events:contact-thanks")
    if not form.is_valid():
        return render(request, "events/contact_form.html", {"form": form}, status=400)
    data = form.cleaned_data
    if not ratelimit.consume(request, action="contact", key=data["email"].lower()):
        form.add_error(
            None,
            gettext(
                "You have sent us several messages just now. Please wait an hour "
                "before you write again; your text is still here."
            ),
        )
        return render(request, "events/contact_form.html", {"form": form}, status=429)
    with transaction.atomic():
        enqueue_with_transaction(
            "events.tasks.send_contact_message",
            data["name"],
            data["email"],
            data["message"],
            translation.get_language() or "de",
        )
    return redirect("events:contact-thanks")


@require_safe
@cache_for_visitors()
def contact_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "events/contact_thanks.html")
