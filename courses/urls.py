"""All course routes; each part of the app keeps its own list."""

from courses.catalog_urls import urlpatterns as catalog
from courses.material_urls import urlpatterns as materials
from courses.schedule_urls import urlpatterns as schedule

urlpatterns = catalog + schedule + materials
