"""All course API routes (relative to /api/v1/); each sub-domain keeps its own list."""

from courses.catalog.urls import urlpatterns as catalog
from courses.enrolment.urls import urlpatterns as enrolment
from courses.feedback.urls import urlpatterns as feedback
from courses.lessons.urls import urlpatterns as lessons
from courses.materials.urls import urlpatterns as materials
from courses.progress.urls import urlpatterns as progress

urlpatterns = catalog + enrolment + feedback + lessons + progress + materials
