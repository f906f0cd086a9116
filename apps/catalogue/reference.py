"""Life events and categories: reference data of the product itself, needed in every environment."""

LIFE_EVENTS = [
    ("moving", "引越し", "Moving"),
    ("birth", "出生", "Birth"),
    ("marriage", "結婚・離婚", "Marriage and divorce"),
    ("death", "おくやみ", "Death of a family member"),
    ("childcare", "子育て", "Raising children"),
    ("nursing-care", "介護", "Nursing care"),
    ("employment", "就職・退職", "Starting or leaving a job"),
    ("pets", "ペット", "Pets"),
    ("garbage", "ごみ", "Garbage and recycling"),
    ("tax", "税", "Taxes"),
    ("housing", "住まい", "Housing"),
    ("health", "健康", "Health"),
    ("facility-booking", "施設予約", "Booking facilities"),
]

CATEGORIES = [
    ("registration", "戸籍・住民票・証明書", "Family register, residence and certificates"),
    ("my-number", "マイナンバー", "My Number"),
    ("insurance-pension", "保険・年金", "Insurance and pension"),
    ("welfare", "福祉・介護", "Welfare and nursing care"),
    ("children", "子ども・子育て・教育", "Children and education"),
    ("taxes", "税金", "Taxes"),
    ("environment", "ごみ・環境", "Garbage and environment"),
    ("housing", "住まい・まちづくり", "Housing and urban development"),
    ("health", "健康・医療", "Health and medical care"),
    ("facilities", "施設・文化・スポーツ", "Facilities, culture and sports"),
    ("business", "しごと・産業", "Work and business"),
    ("safety", "防災・安全", "Disaster prevention and safety"),
]


def reference_data_load(apps, schema_editor=None) -> None:
    """Create or update the life events and categories (used by a migration: takes an app registry)."""
    LifeEvent = apps.get_model("catalogue", "LifeEvent")
    Category = apps.get_model("catalogue", "Category")
    for order, (slug, name, name_en) in enumerate(LIFE_EVENTS):
        LifeEvent.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_en": name_en, "order": order}
        )
    for order, (slug, name, name_en) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_en": name_en, "order": order}
        )
