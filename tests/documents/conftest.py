import pytest

from apps.documents.registry import register_renderer, unregister_renderer
from apps.identity.documents import register as register_identity_documents

SAMPLE = "tests.sample"
BROKEN = "tests.broken"
MISSING_TEMPLATE = "tests.missing_template"


class RendererBroke(RuntimeError):
    pass


def _sample_context(document):
    return {"verification": None}


def _raising_context(document):
    raise RendererBroke("the data behind this document is gone")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _renderers():
    """The identity kinds (as IdentityConfig.ready registers them) and three test kinds."""
    register_identity_documents()
    register_identity_documents()  # registering twice is harmless
    register_renderer(
        SAMPLE,
        template="pdf/identity_verification_record.html",
        context=_sample_context,
        filename="sample.pdf",
        title="サンプル文書",
    )
    register_renderer(
        BROKEN,
        template="pdf/identity_verification_record.html",
        context=_raising_context,
        filename="broken.pdf",
        title="壊れた文書",
    )
    register_renderer(
        MISSING_TEMPLATE,
        template="pdf/no_such_template.html",
        context=_sample_context,
        filename="missing.pdf",
        title="テンプレートのない文書",
    )
    yield
    for kind in (SAMPLE, BROKEN, MISSING_TEMPLATE):
        unregister_renderer(kind)
