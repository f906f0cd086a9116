"""A counter request's answers as people read them, each with where its value came from.

The desk and the resident's own page show the same rows: the form's label, the value as the paper form
prints it, and its origin (the My Number card, the resident, a clerk's correction), with the card's value
beside any value that differs from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.dates import form_date

from .constants import DATE_FIELDS
from .forms import field_labels
from .models import CounterRequest


class Source(StrEnum):
    CARD = "card"
    CHANGED = "changed"  # filled from the card, then changed by the resident
    RESIDENT = "resident"
    STAFF = "staff"


SOURCE_LABELS = {
    Source.CARD: gettext_lazy("マイナンバーカードの情報"),
    Source.CHANGED: gettext_lazy("本人がカードの情報から変更"),
    Source.RESIDENT: gettext_lazy("本人が入力"),
    Source.STAFF: gettext_lazy("職員が訂正"),
}


@dataclass
class Answer:
    name: str
    label: str
    shown: str
    source: Source
    card_shown: str = ""  # the card's value, when the value shown differs from it
    gaiji: list[str] = field(default_factory=list)

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS[self.source])

    @property
    def differs_from_card(self) -> bool:
        return bool(self.card_shown)


def display(name: str, value, labels) -> str:
    """A stored value as the form shows it: dates in the era, yes/no, choice labels."""
    choices = labels.choices.get(name)
    if name in DATE_FIELDS:
        return form_date(value)
    if isinstance(value, bool):
        return _("はい") if value else _("いいえ")
    if choices:
        return choices.get(str(value), value)
    return value


def answers(req: CounterRequest) -> list[Answer]:
    """The filled fields in the form's order (certificate counts apart), with their origin."""
    labels = field_labels(req.form)
    corrected = {c.field for c in req.corrections.all()}
    gaiji = {g["field"]: g["characters"] for g in req.gaiji_fields}
    rows = []
    for name in labels:
        value = req.data.get(name)
        if name.startswith("copies_") or value in ("", None):
            continue
        card = req.card_values.get(name)
        if name in corrected:
            source = Source.STAFF
        elif card is None:
            source = Source.RESIDENT
        else:
            source = Source.CARD if value == card else Source.CHANGED
        rows.append(
            Answer(
                name=name,
                label=labels[name],
                shown=display(name, value, labels),
                source=source,
                card_shown=display(name, card, labels) if card not in (None, value) else "",
                gaiji=gaiji.get(name, []),
            )
        )
    return rows
