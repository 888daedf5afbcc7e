"""The production app plus `/media/` from MEDIA_ROOT, for scripts/prodserver.py only.

In production nginx serves uploads (deploy/nginx.conf) and Django never does; the
throwaway demo server has no nginx, so WhiteNoise stands in for it, with nginx's
cache time, so that Lighthouse measures pages with their photos.
"""

from django.conf import settings
from whitenoise import WhiteNoise

from somehub.wsgi import application as django_application

MEDIA_MAX_AGE = 30 * 24 * 3600

application = WhiteNoise(django_application, max_age=MEDIA_MAX_AGE)
application.add_files(str(settings.MEDIA_ROOT), prefix=settings.MEDIA_URL)
