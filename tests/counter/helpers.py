from apps.counter import services
from apps.counter.forms import FORMS

VALID = {
    "requester_name": "高松　太郎",
    "requester_address": "香川県高松市番町一丁目8番15号",
    "requester_birth_date": "1980-02-17",
    "requester_phone": "087-839-2011",
    "relationship": "self",
    "subject_name": "高松　太郎",
    "subject_address": "香川県高松市番町一丁目8番15号",
    "subject_birth_date": "1980-02-17",
    "purpose": "employment",
    "recipient": "株式会社さぬき",
}
EXTRA = {
    "juminhyo": {"copies_juminhyo_all": "1", "include_head": "on"},
    "inkan": {"copies_inkan": "2", "inkan_card": "on"},
    "koseki": {"copies_zenbu": "1", "honseki": "香川県高松市番町一丁目8番地", "hittosha": "高松　太郎"},
    "zeishomei": {"copies_shotoku_kazei": "1"},
}


def form_data(kind: str, **overrides) -> dict:
    data = {**VALID, **EXTRA[kind], **overrides}
    if kind == "zeishomei" and "fiscal_year" not in overrides:
        data["fiscal_year"] = FORMS[kind]().fields["fiscal_year"].choices[0][0]
    return data


def create(user, kind: str = "juminhyo", **overrides):
    form = FORMS[kind](form_data(kind, **overrides))
    assert form.is_valid(), form.errors
    return services.counter_request_create(user=user, form=kind, cleaned=form.cleaned_data)
