import datetime as dt

import factory
from django.utils import timezone

from apps.documents.constants import DocumentStatus
from apps.documents.models import Document

from ..identity.factories import UserFactory


class DocumentFactory(factory.django.DjangoModelFactory):
    """A row only (no task): for documents made through the services, call document_request."""

    class Meta:
        model = Document

    owner = factory.SubFactory(UserFactory)
    kind = "tests.sample"
    params = factory.LazyFunction(dict)
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda d: d.created_at + dt.timedelta(days=30))

    class Params:
        rendering = factory.Trait(
            status=DocumentStatus.RENDERING,
            attempts=1,
            claimed_at=factory.LazyAttribute(lambda d: d.created_at),
        )
        failed = factory.Trait(status=DocumentStatus.FAILED, attempts=3, error="renderer_error: RuntimeError")
